/**
 * The retention decision of the backup role (roles/backup/files/retention.awk): a pure function
 * from the list of backups (id, verified or not, base) and the policy to keep/drop lines. Run
 * here with the machine's awk (Debian's mawk, as on a fresh host), and with gawk in POSIX mode
 * when it is installed.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const script = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../roles/backup/files/retention.awk');
const awks: string[][] = [['awk']];
if (spawnSync('gawk', ['--version']).status === 0) awks.push(['gawk', '--posix']);

const NOW = Date.parse('2026-12-04T12:00:00Z') / 1000;

/** `YYYYmmddTHHMMSSZ` of a Date. */
const idOf = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const hoursAgo = (h: number) => idOf(new Date((NOW - h * 3600) * 1000));

function retention(lines: string[], policy: { hours: number; days: number; now?: number }, awk = awks[0]!): string[] {
  const [bin, ...flags] = awk;
  const out = execFileSync(bin!, [...flags, '-v', `now=${policy.now ?? NOW}`, '-v', `hours=${policy.hours}`, '-v', `days=${policy.days}`, '-f', script], { input: lines.join('\n') + '\n' });
  return out.toString().split('\n').filter(Boolean);
}

describe.each(awks)('retention.awk with %s', (...awk) => {
  const run = (lines: string[], policy: { hours: number; days: number; now?: number }) => retention(lines, policy, awk);

  it('keeps recent ones, one per day, the base of a kept differential, and drops the rest', () => {
    const input = ['20261204T060000Z ok -', '20261203T180000Z ok 20261203T000000Z', '20261203T000000Z ok -', '20261202T120000Z bad -', '20261120T000000Z ok -'];
    expect(run(input, { hours: 24, days: 2 })).toEqual([
      'keep 20261204T060000Z recent,newest,daily',
      'keep 20261203T180000Z recent,daily',
      'keep 20261203T000000Z base',
      'drop 20261202T120000Z',
      'drop 20261120T000000Z',
    ]);
  });

  it('gives the same answer whatever the input order', () => {
    const input = ['20261203T000000Z ok -', '20261120T000000Z ok -', '20261204T060000Z ok -', '20261203T180000Z ok 20261203T000000Z'];
    expect(run(input, { hours: 24, days: 2 })).toEqual(run([...input].reverse(), { hours: 24, days: 2 }));
  });

  it('keeps exactly the configured versions of 30 days of backups every 6 hours', () => {
    // 120 backups: now-0h is the newest... now-714h the oldest, all verified.
    const ids = Array.from({ length: 120 }, (_, i) => hoursAgo(6 * i));
    const out = run(
      ids.map((id) => `${id} ok -`),
      { hours: 48, days: 20 },
    );
    const kept = out.filter((l) => l.startsWith('keep ')).map((l) => l.split(' ')[1]);
    // Every backup of the last 48 hours (0..48 h: 9), and the newest of each of the last 20 UTC
    // days (backups at 00, 06, 12, 18 UTC; NOW is 12:00, so today's newest is 12:00, the other
    // days' 18:00). Three of those days' newest are already among the 9 recent ones.
    const recent = ids.slice(0, 9);
    const daily = Array.from({ length: 20 }, (_, d) => `${idOf(new Date((NOW - d * 86400) * 1000)).slice(0, 8)}T${d === 0 ? '120000' : '180000'}Z`);
    expect(kept).toEqual([...new Set([...recent, ...daily])].sort().reverse());
    expect(kept).toHaveLength(9 + 20 - 3);
    expect(out.filter((l) => l.startsWith('drop '))).toHaveLength(120 - kept.length);
  });

  it('never drops the newest verified backup, even when every later one is bad', () => {
    const ids = Array.from({ length: 120 }, (_, i) => hoursAgo(6 * i));
    // Everything newer than 25 days is corrupt: the newest ok backup is 25 days old, out of the daily window.
    const lines = ids.map((id, i) => `${id} ${i * 6 < 25 * 24 ? 'bad' : 'ok'} -`);
    const out = run(lines, { hours: 48, days: 20 });
    const newestOk = ids[(25 * 24) / 6]!;
    expect(out).toContain(`keep ${newestOk} newest`);
    // Bad ones are kept only while recent; nothing else survives.
    expect(out.filter((l) => l.startsWith('keep ')).map((l) => l.split(' ')[1])).toEqual([...ids.slice(0, 9), newestOk]);
  });

  it('keeps the base of the newest verified backup too', () => {
    expect(run(['20261101T180000Z ok 20261101T000000Z', '20261101T000000Z ok -', '20261204T000000Z bad -'], { hours: 1, days: 3 })).toEqual([
      'drop 20261204T000000Z',
      'keep 20261101T180000Z newest',
      'keep 20261101T000000Z base',
    ]);
  });

  it('drops nothing while no backup has verified', () => {
    expect(run(['20261204T060000Z bad -', '20261001T000000Z bad -'], { hours: 1, days: 1 })).toEqual(['keep 20261204T060000Z unsure', 'keep 20261001T000000Z unsure']);
  });

  it('keeps backups dated in the future (a clock that jumped) as recent', () => {
    expect(run(['20261205T000000Z ok -', '20261204T060000Z ok -'], { hours: 1, days: 1 })).toEqual(['keep 20261205T000000Z recent,newest', 'keep 20261204T060000Z daily']);
  });

  it('reports lines that are not backups, and refuses a policy of 0 days', () => {
    expect(run(['not-an-id ok -', '20261332T000000Z ok -', '20261204T060000Z maybe -', '20261204T060000Z ok -', '20261204T060000Z ok -'], { hours: 0, days: 1 })).toEqual([
      'invalid not-an-id ok -',
      'invalid 20261332T000000Z ok -',
      'invalid 20261204T060000Z maybe -',
      'invalid 20261204T060000Z ok -',
      'keep 20261204T060000Z newest,daily',
    ]);
    const [bin, ...flags] = awk;
    const r = spawnSync(bin!, [...flags, '-v', `now=${NOW}`, '-v', 'hours=0', '-v', 'days=0', '-f', script], { input: '' });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain('days (>= 1)');
  });
});
