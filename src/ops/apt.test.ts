import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Facts } from './facts.js';
import { buildScript, parseRoundTrip } from '../engine/script.js';
import apt, { formatAge, type AptArgs } from './apt.js';
import { parseAptProbe, type AptState } from './apt-state.js';
import type { PlanContext } from './types.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'apt');
const load = (name: string): AptState => apt.parse({ stdout: readFileSync(join(fixtures, `${name}.txt`), 'utf8'), rc: 0 }, {} as AptArgs);
const ctx: PlanContext = { host: 'web1', facts: {} as Facts, check: false, diff: false };
const args = (a: unknown): AptArgs => apt.args.parse(a);
/** `sh -n`: the generated text parses as POSIX shell (dash). */
const shParses = (text: string) => execFileSync('/bin/sh', ['-n'], { input: text });

describe('apt args', () => {
  it.each([
    [{ name: 'nginx' }, true],
    [{ name: ['nginx', 'php8.2-fpm', 'libc6:i386', 'redis-server=5:7.0.15-1~deb12u1'] }, true],
    [{ update_cache: true }, true],
    [{}, false],
    [{ name: 'nginx; rm -rf /' }, false],
    [{ name: 'Nginx' }, false],
    [{ name: '-y' }, false],
    [{ name: 'a' }, false],
    [{ name: 'nginx', state: 'latest' }, true],
    [{ name: 'nginx=1.2', state: 'latest' }, false],
    [{ name: 'nginx', purge: true }, false],
    [{ name: 'nginx', state: 'absent', purge: true }, true],
    [{ name: 'nginx', cache_valid_time: -1 }, false],
    [{ name: 'nginx', bogus: 1 }, false],
  ])('%j valid=%s', (input, ok) => {
    expect(apt.args.safeParse(input).success).toBe(ok);
  });

  it('explains a rejected name', () => {
    const r = apt.args.safeParse({ name: 'nginx && reboot' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('Debian package name');
  });
});

describe('apt parse (recorded probe output)', () => {
  it('reads clock, lists age, dpkg rows and candidates', () => {
    const s = load('present-missing');
    expect(s.now).toBe(1795446010);
    expect(s.listsTime).toBe(1795445451);
    expect(s.entries).toEqual([{ status: 'ii', name: 'bash', arch: 'amd64', version: '5.2.15-2+b8' }]);
    expect(s.candidates).toEqual({ nginx: '1.22.1-9+deb12u11' });
  });
  it('takes the newer of stamp and lists directory', () => {
    expect(load('crafted-stamp-and-lists').listsTime).toBe(1795445000);
  });
  it('knows a fresh image has no lists', () => {
    expect(load('crafted-fresh-image').listsTime).toBeNull();
  });
  it('keeps status flags (rc, hi, iF)', () => {
    expect(load('crafted-mixed-states').entries.map((e) => e.status)).toEqual(['rc', 'hi', 'iF']);
  });
  it('rejects output without a clock reading', () => {
    expect(() => parseAptProbe({ stdout: '', rc: 1 })).toThrow(/@now/);
  });
});

interface PlanCase {
  title: string;
  args: unknown;
  fixture: string;
  changed: boolean;
  summary?: RegExp[];
  apply?: RegExp[];
  notApply?: RegExp[];
}

const planCases: PlanCase[] = [
  { title: 'present, all installed: nothing, no refresh', args: { name: ['bash', 'coreutils'] }, fixture: 'present-installed', changed: false },
  {
    title: 'present, one missing: install with candidate version, lists fresh, no downgrades',
    args: { name: ['bash', 'nginx'] },
    fixture: 'present-missing',
    changed: true,
    summary: [/^install nginx \(1\.22\.1-9\+deb12u11\)$/],
    apply: [/--no-install-recommends install -- nginx$/m, /wpha_apt_refresh 3600/, /DPkg::Lock::Timeout=120/, /--force-confold/],
    notApply: [/install -- bash/, /--allow-downgrades/],
  },
  {
    title: 'present, lists older than cache_valid_time: summary says refresh',
    args: { name: 'nginx', cache_valid_time: 60 },
    fixture: 'present-missing',
    changed: true,
    summary: [/refresh the package lists first \(last refreshed 9 min ago\)/, /install nginx/],
    apply: [/wpha_apt_refresh 60/],
  },
  {
    title: 'present on a fresh image: refresh (none yet) then install',
    args: { name: 'nginx' },
    fixture: 'crafted-fresh-image',
    changed: true,
    summary: [/there are none yet/, /^install nginx$/],
  },
  {
    title: 'update_cache false: no refresh',
    args: { name: 'nginx', update_cache: false },
    fixture: 'crafted-fresh-image',
    changed: true,
    notApply: [/wpha_apt_refresh/],
  },
  {
    title: 'install_recommends drops --no-install-recommends',
    args: { name: 'nginx', install_recommends: true },
    fixture: 'present-missing',
    changed: true,
    notApply: [/--no-install-recommends/],
  },
  {
    title: 'config files only (rc) count as not installed; half-configured needs dpkg --configure',
    args: { name: ['nginx', 'php8.2-fpm', 'redis-server'] },
    fixture: 'crafted-mixed-states',
    changed: true,
    summary: [/^install nginx \(1\.22\.1-9\+deb12u11\), php8\.2-fpm \(8\.2\.29-1~deb12u1\)$/],
    apply: [/dpkg --configure -a/, /install -- nginx php8\.2-fpm$/m],
  },
  {
    title: 'pinned version differing from installed: install the pin (downgrades allowed)',
    args: { name: 'bash=5.2.15-2+b1' },
    fixture: 'present-installed',
    changed: true,
    summary: [/^install pinned version bash 5\.2\.15-2\+b8 -> 5\.2\.15-2\+b1$/],
    apply: [/--no-install-recommends --allow-downgrades install -- bash=5\.2\.15-2\+b1$/m],
  },
  { title: 'pinned version equal to installed: nothing', args: { name: 'bash=5.2.15-2+b8' }, fixture: 'present-installed', changed: false },
  {
    title: 'latest with a newer candidate: upgrade',
    args: { name: ['bash', 'dash'], state: 'latest' },
    fixture: 'latest',
    changed: true,
    summary: [/^upgrade bash 5\.2\.15-2\+b8 -> 5\.2\.15-2\+b13$/],
    apply: [/install -- bash dash$/m],
  },
  { title: 'latest, already newest and lists fresh: nothing', args: { name: 'dash', state: 'latest' }, fixture: 'latest', changed: false },
  {
    title: 'latest, already newest but lists stale: may upgrade after refresh',
    args: { name: 'dash', state: 'latest', cache_valid_time: 10 },
    fixture: 'latest',
    changed: true,
    summary: [/refresh the package lists first/, /^upgrade dash if the refreshed lists have newer versions$/],
    apply: [/wpha_apt_refresh 10/, /@@WPHA_UNCHANGED/],
  },
  {
    title: 'absent removes installed packages only',
    args: { name: ['bash', 'nginx'], state: 'absent' },
    fixture: 'absent',
    changed: true,
    summary: [/^remove bash \(5\.2\.15-2\+b8\)$/],
    apply: [/apt-get -y -q .* remove -- bash nginx$/m],
  },
  { title: 'absent, config files left, no purge: nothing', args: { name: 'nginx', state: 'absent' }, fixture: 'crafted-mixed-states', changed: false },
  {
    title: 'absent with purge removes leftover config files',
    args: { name: 'nginx', state: 'absent', purge: true },
    fixture: 'crafted-mixed-states',
    changed: true,
    summary: [/^purge nginx \(1\.22\.1-9\)$/],
    apply: [/ purge -- nginx$/m],
  },
  { title: 'update_cache alone, lists fresh: nothing', args: { update_cache: true }, fixture: 'present-installed', changed: false },
  {
    title: 'update_cache alone, lists stale: refresh is the change',
    args: { update_cache: true, cache_valid_time: 30 },
    fixture: 'present-installed',
    changed: true,
    summary: [/^refresh the package lists \(last refreshed 9 min ago\)$/],
    apply: [/wpha_apt_refresh 30/],
  },
];

describe('apt plan', () => {
  it.each(planCases)('$title', (c) => {
    const a = args(c.args);
    const plan = apt.plan(a, load(c.fixture), ctx);
    expect(plan.changed).toBe(c.changed);
    if (!c.changed) {
      expect(plan.summary).toEqual([]);
      expect(plan.apply).toBeUndefined();
      return;
    }
    for (const re of c.summary ?? [])
      expect(
        plan.summary.some((l) => re.test(l)),
        `${re} in ${JSON.stringify(plan.summary)}`,
      ).toBe(true);
    // Every step fails fast (the engine's runner ignores set -e); match the commands without that suffix.
    for (const line of plan.apply!.split('\n')) expect(line).toMatch(/ \|\| exit \$\?$/);
    const body = plan.apply!.replaceAll(' || exit $?', '');
    for (const re of c.apply ?? []) expect(body).toMatch(re);
    for (const re of c.notApply ?? []) expect(body).not.toMatch(re);
    shParses(`${apt.prelude}\n( set -eu\n${plan.apply}\n)`);
  });

  it('probe and prelude are valid sh for every state', () => {
    for (const state of ['present', 'latest', 'absent']) shParses(`${apt.prelude}\n${apt.probe(args({ name: ['nginx', 'libc6:i386'], state }), { diff: false })}`);
  });

  it('probe only asks apt-cache for all candidates with latest', () => {
    expect(apt.probe(args({ name: 'nginx', state: 'latest' }), { diff: false })).toMatch(/wpha_m=nginx\napt-cache policy/);
    expect(apt.probe(args({ name: 'nginx', state: 'absent' }), { diff: false })).not.toMatch(/apt-cache/);
  });

  describe('candidates of missing packages, asked only from lists the install will not refresh (a real sh, stand-in commands)', () => {
    const NOW = 1_000_000;
    // The probe's text with its lists folder moved into a temp dir; date, stat, dpkg-query and
    // apt-cache are stand-ins on PATH (stat answers `listsAt` for the refresh times).
    const probeAnswer = (a: unknown, listsAt: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'wpha-apt-probe-'));
      try {
        writeFileSync(join(dir, 'x_Packages'), '');
        const stand = {
          date: `echo ${NOW}`,
          stat: `echo ${listsAt}`,
          'dpkg-query': ':',
          'apt-cache': 'echo "$@" >> "$(dirname "$0")/asked"; printf "nginx:\\n  Installed: (none)\\n  Candidate: 1.22.1-9\\n"',
        };
        for (const [name, body] of Object.entries(stand)) {
          writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
          chmodSync(join(dir, name), 0o755);
        }
        const probe = apt.probe(args(a), { diff: false }).replaceAll('/var/lib/apt/lists/*_Packages*', `${dir}/*_Packages*`);
        const out = execFileSync('/bin/sh', ['-s'], { input: `PATH="${dir}:$PATH"\n${probe}` }).toString();
        let asked = '';
        try {
          asked = readFileSync(join(dir, 'asked'), 'utf8');
        } catch {
          // apt-cache was not run
        }
        return { state: apt.parse({ stdout: out, rc: 0 }, args(a)), asked };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it('lists younger than cache_valid_time: asked, and the plan names the version', () => {
      const r = probeAnswer({ name: 'nginx' }, NOW - 100);
      expect(r.asked).toBe('policy -- nginx\n');
      expect(r.state.candidates).toEqual({ nginx: '1.22.1-9' });
      expect(apt.plan(args({ name: 'nginx' }), r.state, ctx).summary).toEqual(['install nginx (1.22.1-9)']);
    });

    it('stale lists (the install refreshes them first): not asked; the plan says the refresh comes first', () => {
      for (const at of [NOW - 3600, NOW - 86_400, NOW + 60]) {
        const r = probeAnswer({ name: 'nginx' }, at);
        expect(r.asked).toBe('');
        expect(r.state.candidates).toEqual({});
        const summary = apt.plan(args({ name: 'nginx' }), r.state, ctx).summary;
        expect(summary[0]).toMatch(/^refresh the package lists first/);
        expect(summary[1]).toBe('install nginx');
      }
      expect(probeAnswer({ name: 'nginx', cache_valid_time: 90_000 }, NOW - 86_400).asked).toBe('policy -- nginx\n');
    });

    it('update_cache: false never refreshes: stale lists are asked all the same', () => {
      const r = probeAnswer({ name: 'nginx', update_cache: false }, NOW - 86_400);
      expect(r.asked).toBe('policy -- nginx\n');
      expect(apt.plan(args({ name: 'nginx', update_cache: false }), r.state, ctx).summary).toEqual(['install nginx (1.22.1-9)']);
    });
  });

  it('resources and barrier', () => {
    expect(apt.resources(args({ name: ['nginx', 'libc6:i386', 'redis-server=1.0'] }))).toEqual(['pkg:nginx', 'pkg:libc6', 'pkg:redis-server']);
    expect(apt.barrier).toBe(true);
  });
});

describe('apt apply in the engine script, with fake apt-get/dpkg-query (temp dir only, no refresh)', () => {
  // Stand-ins on PATH: dpkg-query prints the "installed" rows kept in a file, apt-get logs its
  // arguments and installs by appending a row, changes nothing, or fails. The real prelude and
  // fragment run inside the script the engine builds (where set -e does not apply).
  const run = (fragment: string, aptGet: 'installs' | 'noop' | 'fails') => {
    const dir = mkdtempSync(join(tmpdir(), 'wpha-apt-'));
    try {
      writeFileSync(join(dir, 'rows'), 'ii  bash:amd64 5.2.15-2+b8\n');
      writeFileSync(join(dir, 'dpkg-query'), `#!/bin/sh\ncat "${dir}/rows"\n`);
      const effect = { installs: `echo 'ii  nginx:amd64 1.22' >> "${dir}/rows"`, noop: ':', fails: 'echo "E: Unable to locate package nginx" >&2; exit 100' }[aptGet];
      writeFileSync(join(dir, 'apt-get'), `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> "${dir}/log"\n${effect}\n`);
      chmodSync(join(dir, 'dpkg-query'), 0o755);
      chmodSync(join(dir, 'apt-get'), 0o755);
      const script = buildScript({
        nonce: 'n1',
        preludes: [apt.prelude!],
        staged: [],
        applies: [{ id: 'apt', fragment: `PATH="${dir}:$PATH"\n${fragment}`, notifyFlags: [] }],
        facts: false,
        probes: [],
      });
      const result = parseRoundTrip(execFileSync('/bin/sh', ['-s'], { input: script }).toString(), 'n1').applies[0]!;
      return { result, log: readFileSync(join(dir, 'log'), 'utf8') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const plan = apt.plan(args({ name: ['bash', 'nginx'], update_cache: false }), load('present-missing'), ctx);

  it('installs with the documented options and reports a change when a version moved', () => {
    const r = run(plan.apply!, 'installs');
    expect(r.log).toBe('noninteractive -y -q -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends install -- nginx\n');
    expect(r.result).toMatchObject({ rc: 0, changed: true });
  });

  it('reports unchanged when apt-get changed nothing', () => {
    expect(run(plan.apply!, 'noop').result).toMatchObject({ rc: 0, changed: false });
  });

  it('a failing apt-get fails the task with its status and message', () => {
    const r = run(plan.apply!, 'fails').result;
    expect(r.rc).toBe(100);
    expect(r.stderr).toContain('E: Unable to locate package nginx');
  });
});

describe('formatAge', () => {
  it.each([
    [5, '5 s'],
    [600, '10 min'],
    [3 * 3600, '3 h'],
    [5 * 86400, '5 days'],
  ])('%d -> %s', (s, text) => expect(formatAge(s)).toBe(text));
});
