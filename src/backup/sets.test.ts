import { describe, it, expect } from 'vitest';
import { atToId, parseSetLines, pickSet, setsTable, type BackupSet } from './sets.js';

const line = (o: Record<string, unknown>) => JSON.stringify(o);

describe('parseSetLines', () => {
  it('reads the JSON lines of wpha-backup list and ignores everything else', () => {
    const text = [
      'wpha-backup: a log line',
      line({ host: 'db1', id: '20261204T060000Z', where: 'local', status: 'ok', bytes: 120, db: 'dump', databases: 'shop', files: 'full', base: '20261204T060000Z', encryption: 'none' }),
      line({ host: 'db1', id: '20261204T120000Z', where: 'remote', status: 'incomplete', bytes: 80, base: '-' }),
      line({ host: 'db1', id: 'not-an-id', where: 'local' }),
      '{broken json',
    ].join('\n');
    expect(parseSetLines(text)).toEqual([
      { host: 'db1', id: '20261204T060000Z', where: 'local', status: 'ok', bytes: 120, db: 'dump', databases: 'shop', files: 'full', base: '20261204T060000Z', encryption: 'none' },
      { host: 'db1', id: '20261204T120000Z', where: 'remote', status: 'incomplete', bytes: 80, base: '-' },
    ]);
  });
});

describe('atToId', () => {
  it.each([
    ['20261204T060000Z', '20261204T060000Z'],
    ['2026-12-04', '20261204T235959Z'],
    ['2026-12-04T06:00', '20261204T060000Z'],
    ['2026-12-04 06:00:30', '20261204T060030Z'],
    ['2026-12-04T06:00Z', '20261204T060000Z'],
    ['2026-12-04T08:00+02:00', '20261204T060000Z'],
  ])('%s -> %s', (at, id) => {
    expect(atToId(at)).toBe(id);
  });

  it.each(['yesterday', '2026-13-01', '2026-02-30', '2026-12-04T25:00', ''])('refuses %j', (at) => {
    expect(() => atToId(at)).toThrow(/Cannot read --at/);
  });
});

describe('pickSet', () => {
  const s = (id: string, where: 'local' | 'remote' = 'local', status = 'ok', host = 'db1'): BackupSet => ({ host, id, where, status, bytes: 1 });
  const sets = [s('20261203T180000Z'), s('20261204T000000Z', 'remote'), s('20261204T000000Z'), s('20261204T060000Z', 'local', 'unverified'), s('20261204T120000Z', 'local', 'ok', 'web1')];

  it('takes the newest of the host, a local copy before the remote one', () => {
    expect(pickSet(sets, 'db1')).toEqual(s('20261204T060000Z', 'local', 'unverified'));
    expect(pickSet(sets, 'db1', '2026-12-04T05:59')).toEqual(s('20261204T000000Z'));
    expect(pickSet(sets, 'db1', '2026-12-03')).toEqual(s('20261203T180000Z'));
  });

  it('says what there is when nothing matches', () => {
    expect(() => pickSet(sets, 'db1', '2026-12-01')).toThrow('No backup of host "db1" at or before 2026-12-01T23:59:59Z (it has 4, from 2026-12-03T18:00:00Z to 2026-12-04T06:00:00Z)');
    expect(() => pickSet(sets, 'db9')).toThrow('No backup of host "db9" (it has none)');
  });
});

describe('setsTable', () => {
  it('aligns columns, oldest first', () => {
    const t = setsTable([
      { host: 'db1', id: '20261204T060000Z', where: 'remote', status: 'ok', bytes: 3 * 1024 * 1024 },
      { host: 'db1', id: '20261204T000000Z', where: 'local', status: 'ok', bytes: 2048, db: 'dump', databases: 'shop', files: 'full', encryption: 'age' },
    ]).split('\n');
    expect(t[0]).toMatch(/^HOST +ID +TIME \(UTC\) +WHERE +STATUS +SIZE +DATABASE +FILES +ENCRYPTION$/);
    expect(t[1]).toMatch(/^db1 +20261204T000000Z +2026-12-04T00:00:00Z +local +ok +2 KiB +dump \(shop\) +full +age$/);
    expect(t[2]).toMatch(/^db1 +20261204T060000Z +2026-12-04T06:00:00Z +remote +ok +3\.0 MiB$/);
  });
});
