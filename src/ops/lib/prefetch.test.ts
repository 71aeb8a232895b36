import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FILE_PRELUDE } from './prelude.js';
import { prefetchFragment } from './prefetch.js';
import { fileStateProbe } from './file-state.js';

/** Runs the file probes of `paths` in one /bin/sh, with or without the prefetch, like a probe script does. */
function probeAll(paths: string[], prefetch: boolean, flags: Parameters<typeof fileStateProbe>[1]): string {
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-pf-work-'));
  const script = ['set -u', `WPHA_WORK=${work}`, FILE_PRELUDE, prefetch ? prefetchFragment(paths) : '', ...paths.map((p) => `echo "== ${p}"; ( ${fileStateProbe(p, flags)} )`)].join('\n');
  return execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
}

describe('prefetched file states', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-pf-'));
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'a.conf'), 'alpha\n');
  writeFileSync(path.join(dir, 'empty'), '');
  writeFileSync(path.join(dir, 'sub', 'b.ini'), 'memory_limit=128M\n');
  chmodSync(path.join(dir, 'sub', 'b.ini'), 0o640);
  symlinkSync('a.conf', path.join(dir, 'link'));
  const weird = path.join(dir, 'with space|pipe');
  writeFileSync(weird, 'odd\n');
  const paths = [path.join(dir, 'a.conf'), path.join(dir, 'empty'), path.join(dir, 'sub'), path.join(dir, 'sub', 'b.ini'), path.join(dir, 'link'), path.join(dir, 'absent'), weird];

  it.each([
    ['stat only', { content: 'none' as const }],
    ['stat + sha256', { content: 'sha' as const }],
    ['with content', { content: 'always' as const }],
    ['following links', { content: 'sha' as const, follow: true }],
  ])('answers exactly as the per-file probe does (%s)', (_name, flags) => {
    expect(probeAll(paths, true, flags)).toBe(probeAll(paths, false, flags));
  });

  it('really answers from one stat and one sha256sum (the per-path variables are set)', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'wpha-pf-work-'));
    const list = [path.join(dir, 'a.conf'), path.join(dir, 'sub'), path.join(dir, 'absent')];
    const out = execFileSync(
      '/bin/sh',
      ['-c', ['set -u', `WPHA_WORK=${work}`, prefetchFragment(list), 'echo "${_wpfs_0-unset}/${_wpfh_0-unset}"; echo "${_wpfs_1-unset}/${_wpfh_1-unset}"; echo "${_wpfs_2-unset}"'].join('\n')],
      { encoding: 'utf8' },
    );
    const [a, sub, absent] = out.trim().split('\n');
    expect(a).toMatch(/^regular file\|644\|\d+\|\d+\|\S+\|\S+\|6\/[0-9a-f]{64}$/);
    expect(sub).toMatch(/^directory\|755\|.*\/unset$/);
    expect(absent).toBe('unset');
  });

  it('leaves out paths the shell could not split safely, and builds nothing for none', () => {
    const f = prefetchFragment([weird, '/etc/hosts', 'relative/path', '/etc/hosts']);
    expect(f).toContain('/etc/hosts) _wpi=0;;');
    expect(f).not.toContain('pipe');
    expect(f).not.toContain('relative');
    expect(prefetchFragment([weird])).toBe('');
  });
});
