import { describe, expect, it } from 'vitest';
import type { FileState } from './lib/index.js';
import systemdTimerOp, { renderTimerUnits } from './systemd_timer.js';
import { localPrepareContext, planContext, runProbe } from '../engine/testing/run-local.js';

const parse = (raw: Record<string, unknown>) => systemdTimerOp.args.parse({ name: 'rclone-backup', on_calendar: '*:0/15', exec_start: '/usr/bin/true', ...raw });
const prepare = (raw: Record<string, unknown>) => systemdTimerOp.prepare!(parse(raw), localPrepareContext('/nonexistent'));

describe('systemd_timer args', () => {
  it.each([
    [{ name: 'x.timer' }, /without .service\/.timer/],
    [{ name: 'a b' }, /unit base name/],
    [{ exec_start: 'a\nb' }, /single line/],
    [{ accuracy_sec: '1 minute; rm' }, /time span/],
    [{ environment: { 'A-B': 'x' } }, /environment variable name/],
    [{ on_calendar: [] }, /too small|>=1/i],
  ])('rejects %j', (raw, re) => {
    const r = systemdTimerOp.args.safeParse({ name: 'x', on_calendar: 'daily', exec_start: '/bin/true', ...raw });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });
});

describe('renderTimerUnits', () => {
  it('escapes % in commands, descriptions and environment, and writes the timer settings', () => {
    const { service, timer } = renderTimerUnits(
      parse({
        exec_start: `/bin/sh -c 'exec rclone sync /srv/data lab29:current --backup-dir "lab29:archive/$(date +%Y%m%d-%H%M%S)"'`,
        description: 'Backup 100%',
        user: 'backup',
        environment: { RCLONE_CONFIG: '/root/.config/rclone/rclone.conf', MSG: 'say "hi" \\ 5%' },
        accuracy_sec: '1s',
        randomized_delay_sec: '5min',
        on_calendar: ['*:0/15', 'Sat 03:00'],
      }),
    );
    expect(service).toContain(`ExecStart=/bin/sh -c 'exec rclone sync /srv/data lab29:current --backup-dir "lab29:archive/$(date +%%Y%%m%%d-%%H%%M%%S)"'\n`);
    expect(service).toContain('Description=Backup 100%%\n');
    expect(service).toContain('User=backup\n');
    expect(service).toContain('Environment="RCLONE_CONFIG=/root/.config/rclone/rclone.conf"\n');
    expect(service).toContain('Environment="MSG=say \\"hi\\" \\\\ 5%%"\n');
    expect(service).toContain('[Service]\nType=oneshot\n');
    expect(timer).toContain('[Timer]\nOnCalendar=*:0/15\nOnCalendar=Sat 03:00\nPersistent=true\nAccuracySec=1s\nRandomizedDelaySec=5min\n\n[Install]\nWantedBy=timers.target\n');
    expect(service).not.toContain('[Install]');
  });
});

describe('systemd_timer probe/plan', () => {
  const absent: FileState = { parentExists: true, type: 'absent' };
  const same = (sha: string): FileState => ({ parentExists: true, type: 'file', mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root', size: 1, sha256: sha });

  it('runs as one probe whose sections parse (here: no systemd, files absent)', () => {
    const a = prepare({});
    const s = systemdTimerOp.parse(runProbe(systemdTimerOp, a), a);
    expect(s.service.type).toBe('absent');
    expect(s.timer.type).toBe('absent');
    expect(s.unit).toEqual({ known: false });
  });

  it('new timer: both files, one daemon-reload, enable and start the timer only', () => {
    const a = prepare({});
    const p = systemdTimerOp.plan(a, { service: absent, timer: absent, unit: { known: true, loadState: 'not-found', activeState: 'inactive', unitFileState: '' } }, planContext());
    expect(p.summary.slice(2)).toEqual(['systemctl daemon-reload', 'enable rclone-backup.timer', 'start rclone-backup.timer']);
    expect(p.files?.map((f) => f.sha256)).toEqual([a.service.sha256, a.timer.sha256]);
    expect(p.apply!.split('\n').filter((l) => l.startsWith('systemctl'))).toEqual([
      'systemctl daemon-reload || exit $?',
      'systemctl enable -- rclone-backup.timer || exit $?',
      'systemctl start -- rclone-backup.timer || exit $?',
    ]);
    // Every step stops the fragment on failure, even where set -e is not in effect.
    expect(p.apply!.split('\n').every((l) => l.endsWith(' || exit $?'))).toBe(true);
  });

  it('converged: unchanged', () => {
    const a = prepare({});
    const unit = { known: true, loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' };
    expect(systemdTimerOp.plan(a, { service: same(a.service.sha256), timer: same(a.timer.sha256), unit }, planContext())).toEqual({ changed: false, summary: [] });
  });

  it('only the command changed: rewrite the service and reload, timer stays', () => {
    const a = prepare({ exec_start: '/usr/local/bin/new' });
    const unit = { known: true, loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' };
    const p = systemdTimerOp.plan(a, { service: same('0'.repeat(64)), timer: same(a.timer.sha256), unit }, planContext());
    expect(p.summary).toEqual(['update /etc/systemd/system/rclone-backup.service (1 byte -> ' + a.service.content.length + ' bytes)', 'systemctl daemon-reload']);
    expect(p.files).toHaveLength(1);
  });
});
