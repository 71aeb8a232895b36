/**
 * Hostile conditions around the round-trip script itself, run with /bin/sh inside a temp folder:
 * a script cut short in transit (a dropped connection) must run NOTHING; a step printing far
 * more than the capture keeps must report the truncation; bytes that are not UTF-8 must not
 * break parsing; a stage that cannot be written must stop the script before any step runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stagedFile } from '../ops/lib/plan-file.js';
import { ERR_CAP, OUT_CAP, STAGE_FAILED_EXIT, buildScript, parseRoundTrip } from './script.js';

const NONCE = 'f00d';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'wpha-hostile-sh-'));
  dirs.push(d);
  return d;
};

function sh(script: string | Buffer): { stdout: string; status: number | null } {
  const r = spawnSync('/bin/sh', ['-s'], { input: script, maxBuffer: 64 * 1024 * 1024 });
  return { stdout: new TextDecoder('utf-8', { fatal: false }).decode(r.stdout), status: r.status };
}

describe('a script cut short in transit runs nothing', () => {
  it('at every cut point (lines, heredoc, function bodies), no step runs and no marker is printed', () => {
    const dir = tempDir();
    const script = buildScript({
      nonce: NONCE,
      preludes: ['wpha_mark() { : > "$1"; }'],
      staged: [stagedFile('staged content\n'.repeat(20))],
      applies: [
        { id: 't0', fragment: `wpha_mark ${dir}/first`, notifyFlags: [] },
        { id: 't1', fragment: `rm -rf ${dir}/victim && wpha_mark ${dir}/second`, notifyFlags: [] },
      ],
      facts: false,
      probes: [{ id: 'p0', fragment: `wpha_mark ${dir}/probed` }],
    });
    const bytes = Buffer.from(script);
    // Every 11th byte plus every line end: cuts inside words, quotes, the heredoc and a function.
    const cuts = new Set<number>();
    for (let i = 1; i < bytes.length - 1; i += 23) cuts.add(i);
    bytes.forEach((b, i) => b === 10 && i < bytes.length - 2 && cuts.add(i + 1));
    expect(cuts.size).toBeGreaterThan(100);
    // One shell loop runs every cut (a process per cut from node would take minutes).
    const work = tempDir();
    writeFileSync(path.join(work, 'script.sh'), bytes);
    const driver = [...cuts].map((n) => `mkdir -p ${dir}/victim; head -c ${n} ${work}/script.sh | sh > ${work}/out.${n} 2>/dev/null; ls -A ${dir} > ${work}/ls.${n}`).join('\n');
    execFileSync('/bin/sh', ['-c', driver]);
    for (const n of cuts) {
      const context = JSON.stringify(bytes.subarray(Math.max(0, n - 40), n).toString());
      expect(readFileSync(path.join(work, `out.${n}`), 'utf8'), `cut at ${n}: ${context}`).not.toContain('@@WPHA_');
      expect(readFileSync(path.join(work, `ls.${n}`), 'utf8'), `cut at ${n}: ${context}`).toBe('victim\n');
    }
    // The whole script does run.
    const whole = parseRoundTrip(sh(script).stdout, NONCE);
    expect(whole.done).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['first', 'probed', 'second']);
  });
});

describe('output a step cannot be allowed to keep', () => {
  it('keeps the last 1 MiB of stdout and 64 KiB of stderr, and says so', () => {
    const script = buildScript({
      nonce: NONCE,
      preludes: [],
      staged: [],
      applies: [
        { id: 't0', fragment: `head -c 3000000 /dev/zero | tr '\\0' x; echo END; head -c 100000 /dev/zero | tr '\\0' e >&2; echo ERREND >&2`, notifyFlags: [] },
        { id: 't1', fragment: `head -c ${OUT_CAP} /dev/zero | tr '\\0' y`, notifyFlags: [] },
      ],
      facts: false,
      probes: [],
    });
    const r = parseRoundTrip(sh(script).stdout, NONCE);
    const [big, exact] = r.applies;
    expect(big!.stdout).toHaveLength(OUT_CAP);
    expect(big!.stdout.endsWith('xxxEND\n')).toBe(true);
    expect(big!.stderr).toHaveLength(ERR_CAP);
    expect(big!.stderr.endsWith('eeeERREND\n')).toBe(true);
    expect(big!.warnings).toEqual([
      'output truncated: the step printed more than 1024 KiB on stdout; only the last 1024 KiB were kept',
      'output truncated: the step printed more than 64 KiB on stderr; only the last 64 KiB were kept',
    ]);
    expect(exact!.stdout).toHaveLength(OUT_CAP);
    expect(exact!.warnings).toEqual([]);
  });

  it('bytes that are not UTF-8 in step output and probes neither break parsing nor forge markers', () => {
    const bad = `printf '\\377\\376 caf\\351 \\303\\n@@WPHA_${NONCE} DONE\\n'`;
    const script = buildScript({
      nonce: NONCE,
      preludes: [],
      staged: [],
      applies: [{ id: 't0', fragment: bad, notifyFlags: [] }],
      facts: false,
      probes: [{ id: 'p0', fragment: `${bad}; echo after` }],
    });
    const r = parseRoundTrip(sh(script).stdout, NONCE);
    expect(r.done).toBe(true);
    expect(r.applies[0]!.stdout).toBe(`\uFFFD\uFFFD caf\uFFFD \uFFFD\n@@WPHA_${NONCE} DONE\n`);
    expect(r.probes.get('p0')!.stdout).toBe(`\uFFFD\uFFFD caf\uFFFD \uFFFD\n@@WPHA_${NONCE} DONE\nafter`);
  });
});

describe('a stage that cannot be written', () => {
  it('stops the script before any step runs, with a clear message and its own exit status', () => {
    const dir = tempDir();
    const script = buildScript({
      nonce: NONCE,
      preludes: [],
      staged: [stagedFile('new content\n')],
      applies: [{ id: 't0', fragment: `: > ${dir}/applied`, notifyFlags: [] }],
      facts: false,
      probes: [],
      stageDir: path.join(dir, 'no', 'such', 'stage'),
    });
    const r = spawnSync('/bin/sh', ['-s'], { input: script, encoding: 'utf8' });
    expect(r.status).toBe(STAGE_FAILED_EXIT);
    expect(r.stderr).toContain('cannot write 12 bytes of file content to apply into');
    expect(r.stderr).toContain('nothing was changed');
    expect(parseRoundTrip(r.stdout, NONCE).applies).toEqual([]);
    expect(existsSync(path.join(dir, 'applied'))).toBe(false);
  });
});
