/**
 * Clock skew on a host: package lists (or the refresh stamp) dated in the future of the host's
 * clock, as after a clock that ran ahead and was set back. Such a date says nothing about how
 * fresh the lists are; trusting it would skip every refresh for as long as the skew (years).
 * The lab test in test/hostile/ does the same on a real host with `touch -d`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Facts } from './facts.js';
import apt, { type AptArgs } from './apt.js';
import { parseAptProbe } from './apt-state.js';
import type { PlanContext } from './types.js';

const NOW = 1_800_000_000;
const YEAR = 365 * 86_400;
const ctx: PlanContext = { host: 'web1', facts: {} as Facts, check: false, diff: false };
const probe = (lists: string, dpkg = '') => ({ stdout: `@now ${NOW}\n@lists ${lists}\n${dpkg}`, rc: 0 });
const refreshOnly = apt.args.parse({ update_cache: true, cache_valid_time: 3600 }) as AptArgs;

describe('package lists dated in the future', () => {
  it('are not taken as a refresh time', () => {
    const s = parseAptProbe(probe(`${NOW + 10 * YEAR} ${NOW + 10 * YEAR}`));
    expect(s.listsTime).toBeNull();
    expect(s.listsInFuture).toBe(true);
  });

  it('make a cache_valid_time refresh due, and say why', () => {
    const plan = apt.plan(refreshOnly, parseAptProbe(probe(`${NOW + 10 * YEAR} ${NOW + 60}`)), ctx);
    expect(plan.changed).toBe(true);
    expect(plan.summary).toEqual(["refresh the package lists (they are dated in the future of the host's clock)"]);
    expect(plan.apply).toMatch(/wpha_apt_refresh 3600/);
  });

  it('do not hide a genuine recent refresh (the stamp written by the last run)', () => {
    const s = parseAptProbe(probe(`${NOW - 120} ${NOW + 10 * YEAR}`));
    expect(s.listsTime).toBe(NOW - 120);
    expect(s.listsInFuture).toBeUndefined();
    expect(apt.plan(refreshOnly, s, ctx).changed).toBe(false);
  });

  it('a clock far BEHIND the lists behaves the same; a clock far ahead just sees old lists', () => {
    expect(apt.plan(refreshOnly, parseAptProbe(probe(`${NOW + 1}`)), ctx).changed).toBe(true);
    const old = apt.plan(refreshOnly, parseAptProbe(probe(`${NOW - 10 * YEAR}`)), ctx);
    expect(old.changed).toBe(true);
    expect(old.summary).toEqual(['refresh the package lists (last refreshed 3650 days ago)']);
  });

  it('the refresh on the host ignores future times too, and the next run is fresh', () => {
    // The real function, pointed at a temp copy of /var/lib/apt, with apt-get as a stub.
    const root = mkdtempSync(path.join(tmpdir(), 'wpha-hostile-apt-'));
    try {
      mkdirSync(path.join(root, 'lists'));
      mkdirSync(path.join(root, 'periodic'));
      writeFileSync(path.join(root, 'lists', 'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages'), 'Package: x\n');
      writeFileSync(path.join(root, 'periodic', 'update-success-stamp'), '');
      const future = `@${Math.floor(Date.now() / 1000) + 10 * YEAR}`;
      execFileSync('touch', ['-d', future, path.join(root, 'periodic', 'update-success-stamp'), path.join(root, 'lists')]);
      mkdirSync(path.join(root, 'bin'));
      writeFileSync(path.join(root, 'bin', 'apt-get'), '#!/bin/sh\necho UPDATED\n', { mode: 0o755 });
      const script = `${(apt.prelude ?? '').replaceAll('/var/lib/apt', root)}\nwpha_apt_refresh 3600\n`;
      const env = { PATH: `${path.join(root, 'bin')}:/usr/bin:/bin` };
      expect(execFileSync('/bin/sh', ['-s'], { input: script, encoding: 'utf8', env })).toBe('UPDATED\n');
      // The stamp now holds the real time; the lists folder is still in the future, and ignored.
      expect(execFileSync('/bin/sh', ['-s'], { input: script, encoding: 'utf8', env })).toBe('');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
