/**
 * The unit prefetch fragment run by a real sh, with a stand-in `systemctl` on PATH that prints
 * what systemd prints for `show` (a fixture of its output format) and logs each call: one call
 * for all units, aliases matched by Names, a block in an unexpected place or a unit not
 * prefetched answered by a direct call. The lab tests run it against real systemd.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UNIT_SHOW_FN, unitPrefetchFragment } from './unit-prefetch.js';

const BLOCKS: Record<string, string> = {
  'nginx.service': 'Names=nginx.service\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nNeedDaemonReload=no',
  'redis.service': 'Names=redis-server.service redis.service\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nNeedDaemonReload=no',
  'nosuch.service': 'Names=nosuch.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nNeedDaemonReload=no',
  'cron.service': 'Names=cron.service\nLoadState=loaded\nActiveState=inactive\nSubState=dead\nUnitFileState=disabled\nNeedDaemonReload=no',
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wpha-unit-pf-'));
  // systemctl show [-p P]... -- UNIT...: the asked properties of each unit, blank lines between;
  // SWAP=1 swaps the first two blocks (an answer in an unexpected place).
  const cases = Object.entries(BLOCKS)
    .map(([u, b]) => `${u}) block='${b}' ;;`)
    .join('\n    ');
  writeFileSync(
    path.join(dir, 'systemctl'),
    `#!/bin/sh
echo "$*" >> "$LOG"
shift
props=
while [ "$1" != -- ]; do props="$props $2"; shift 2; done; shift
[ -n "\${SWAP:-}" ] && [ $# -ge 2 ] && { a=$1; b=$2; shift 2; set -- "$b" "$a" "$@"; }
first=1
for u in "$@"; do
  [ -n "$first" ] || echo
  first=
  case $u in
    ${cases}
  esac
  printf '%s\\n' "$block" | while IFS= read -r line; do
    case " $props " in *" \${line%%=*} "*) printf '%s\\n' "$line" ;; esac
  done
done
`,
  );
  chmodSync(path.join(dir, 'systemctl'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(units: string[], show: string[], env: Record<string, string> = {}): { out: string; calls: string[] } {
  const log = path.join(dir, `log-${Math.random()}`);
  const script = [
    UNIT_SHOW_FN,
    'WPHA_WORK=$(mktemp -d)',
    unitPrefetchFragment(units),
    ...show.map((u) => `echo "== ${u}"; wpha_unit_show ${u} -p LoadState -p ActiveState`),
    'rm -rf "$WPHA_WORK"',
  ].join('\n');
  const out = execFileSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin`, LOG: log, ...env }, encoding: 'utf8' });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  return { out, calls };
}

/** What the probes see: every prefetched property but Names. */
const props = (u: string) =>
  BLOCKS[u]!.split('\n')
    .filter((l) => !l.startsWith('Names='))
    .join('\n');
/** What a direct `systemctl show -p LoadState -p ActiveState` prints. */
const direct = (u: string) =>
  BLOCKS[u]!.split('\n')
    .filter((l) => /^(LoadState|ActiveState)=/.test(l))
    .join('\n');

describe('unit prefetch', () => {
  it('asks systemctl once for every unit; each unit, aliases included, gets its own block', () => {
    const r = run(['nginx.service', 'redis.service', 'nosuch.service'], ['nginx.service', 'redis.service', 'nosuch.service']);
    expect(r.calls).toEqual(['show -p Names -p LoadState -p ActiveState -p SubState -p UnitFileState -p NeedDaemonReload -p DropInPaths -- nginx.service redis.service nosuch.service']);
    expect(r.out).toBe(['nginx.service', 'redis.service', 'nosuch.service'].map((u) => `== ${u}\n${props(u)}\n`).join(''));
  });
  it('a unit that was not prefetched is asked directly', () => {
    const r = run(['nginx.service'], ['cron.service']);
    expect(r.calls).toEqual([
      'show -p Names -p LoadState -p ActiveState -p SubState -p UnitFileState -p NeedDaemonReload -p DropInPaths -- nginx.service',
      'show -p LoadState -p ActiveState -- cron.service',
    ]);
    expect(r.out).toBe(`== cron.service\n${direct('cron.service')}\n`);
  });
  it('blocks in unexpected places are never given to the wrong unit: those units are asked directly', () => {
    const r = run(['nginx.service', 'cron.service', 'redis.service'], ['nginx.service', 'cron.service', 'redis.service'], { SWAP: '1' });
    expect(r.calls.slice(1)).toEqual(['show -p LoadState -p ActiveState -- nginx.service', 'show -p LoadState -p ActiveState -- cron.service']);
    expect(r.out).toBe(`== nginx.service\n${direct('nginx.service')}\n== cron.service\n${direct('cron.service')}\n== redis.service\n${props('redis.service')}\n`);
  });
  it('names a shell could misread are left to the direct call', () => {
    expect(unitPrefetchFragment(['a b.service', "x'.service"])).toBe('');
    expect(unitPrefetchFragment([])).toBe('');
    expect(unitPrefetchFragment(['a@1.service', 'a@1.service'])).toContain('-- a@1.service >');
  });
});
