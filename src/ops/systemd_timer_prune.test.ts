import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import prune, { parsePruneProbe, planPrune, pruneProbe } from './systemd_timer_prune.js';
import { renderTimerUnits, TIMER_HEADER } from './systemd_timer.js';
import type { SystemdTimerArgs } from './systemd_timer.js';

const args = (a: unknown) => prune.args.parse(a);

describe('systemd_timer_prune args', () => {
  it.each([
    [{ prefix: 'rclone-sync-', keep: ['a', 'site-b'] }, true],
    [{ prefix: 'rclone-sync-', keep: [], files: ['/etc/rclone-sync/{item}.conf'] }, true],
    [{ prefix: 'r', keep: [] }, false], // too short: would reach every timer starting with r
    [{ prefix: 'x y-', keep: [] }, false],
    [{ prefix: 'rclone-sync-', keep: ['a b'] }, false],
    [{ prefix: 'rclone-sync-', keep: [], files: ['relative/{item}'] }, false],
    [{ prefix: 'rclone-sync-', keep: [], files: ['/etc/no-placeholder.conf'] }, false],
    [{ prefix: 'rclone-sync-' }, false],
  ])('%j valid=%s', (input, ok) => expect(prune.args.safeParse(input).success).toBe(ok));

  it('the header it looks for is the one systemd_timer writes in both units', () => {
    const units = renderTimerUnits({ name: 'x', on_calendar: 'daily', exec_start: '/bin/true', persistent: true } as SystemdTimerArgs);
    expect(units.timer.split('\n')[0]).toBe(TIMER_HEADER);
    expect(units.service.split('\n')[0]).toBe(TIMER_HEADER);
  });
});

describe('systemd_timer_prune parse and plan', () => {
  it('reads the items of the listed timers, without the prefix', () => {
    expect(parsePruneProbe({ stdout: 'timer=rclone-sync-b.timer\ntimer=rclone-sync-a.timer\nnoise\ntimer=other.timer\n', rc: 0 }, 'rclone-sync-')).toEqual({ items: ['a', 'b'] });
    expect(parsePruneProbe({ stdout: '', rc: 0 }, 'rclone-sync-')).toEqual({ items: [] });
  });

  it('changes nothing when every timer is listed; removes the others with their files', () => {
    const a = args({ prefix: 'rclone-sync-', keep: ['a', 'b'], files: ['/etc/rclone-sync/{item}.conf'] });
    expect(planPrune(a, { items: ['a', 'b'] })).toEqual({ changed: false, summary: [] });
    const p = planPrune(a, { items: ['a', 'old job'] });
    expect(p.changed).toBe(true);
    expect(p.summary).toEqual(['remove timer rclone-sync-old job (no longer listed), with /etc/rclone-sync/old job.conf']);
    expect(p.apply).toContain(`rm -f -- '/etc/systemd/system/rclone-sync-old job.timer' '/etc/systemd/system/rclone-sync-old job.service' '/etc/rclone-sync/old job.conf'`);
    expect(p.apply).not.toContain('rclone-sync-a.');
  });
});

describe('systemd_timer_prune on a shell (a folder as the unit folder, systemctl recorded)', () => {
  it('removes only the timers wpha wrote whose item is gone, with their files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-prune-'));
    const units = path.join(dir, 'system');
    const conf = path.join(dir, 'conf');
    mkdirSync(units);
    mkdirSync(conf);
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> ${dir}/systemctl.log\n`);
    chmodSync(path.join(bin, 'systemctl'), 0o755);
    const { timer, service } = renderTimerUnits({ name: 'x', on_calendar: 'daily', exec_start: '/bin/true', persistent: true } as SystemdTimerArgs);
    for (const item of ['keep-me', 'gone']) {
      writeFileSync(path.join(units, `rclone-sync-${item}.timer`), timer);
      writeFileSync(path.join(units, `rclone-sync-${item}.service`), service);
      writeFileSync(path.join(conf, `${item}.conf`), 'JOB_NAME=x\n');
    }
    // Same prefix, written by hand: never touched.
    writeFileSync(path.join(units, 'rclone-sync-by-hand.timer'), '[Timer]\nOnCalendar=daily\n');
    const shell = (script: string) => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
    const a = args({ prefix: 'rclone-sync-', keep: ['keep-me'], files: [`${conf}/{item}.conf`] });
    const state = parsePruneProbe({ stdout: shell(pruneProbe(units, a.prefix)), rc: 0 }, a.prefix);
    expect(state).toEqual({ items: ['gone', 'keep-me'] });
    const plan = planPrune(a, state, units);
    shell(plan.apply!);
    expect(['keep-me.timer', 'keep-me.service', 'by-hand.timer', 'gone.timer', 'gone.service'].map((f) => existsSync(path.join(units, `rclone-sync-${f}`)))).toEqual([true, true, true, false, false]);
    expect([existsSync(path.join(conf, 'keep-me.conf')), existsSync(path.join(conf, 'gone.conf'))]).toEqual([true, false]);
    expect(readFileSync(path.join(dir, 'systemctl.log'), 'utf8').trim().split('\n')).toEqual(['disable --now -- rclone-sync-gone.timer', 'stop -- rclone-sync-gone.service', 'daemon-reload']);
    // Probed again: only the listed one is left, and nothing more to do.
    expect(planPrune(a, parsePruneProbe({ stdout: shell(pruneProbe(units, a.prefix)), rc: 0 }, a.prefix), units).changed).toBe(false);
  });

  it('an empty unit folder (no match for the pattern) lists nothing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-prune-'));
    expect(execFileSync('/bin/sh', ['-c', pruneProbe(dir, 'rclone-sync-')], { encoding: 'utf8' })).toBe('');
  });
});
