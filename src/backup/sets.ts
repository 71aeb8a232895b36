/**
 * Backups as `wpha backup` sees them: the lines `wpha-backup list --json` prints on a host,
 * parsed; `--at TIME` turned into a backup id; the backup a restore takes. Pure.
 */
import { UserError } from '../errors.js';

export interface BackupSet {
  host: string;
  /** UTC start time, YYYYmmddTHHMMSSZ: sorts like time. */
  id: string;
  where: 'local' | 'remote';
  /** local: ok (its checksums verified) | unverified; remote: ok (pushed whole) | incomplete. */
  status: string;
  bytes: number;
  db?: string;
  databases?: string;
  files?: string;
  base?: string;
  encryption?: string;
}

export const ID_RE = /^\d{8}T\d{6}Z$/;

/** The sets of `wpha-backup list --json` output (one object per line); other lines are ignored. */
export function parseSetLines(text: string): BackupSet[] {
  const out: BackupSet[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof v.id !== 'string' || !ID_RE.test(v.id) || typeof v.host !== 'string') continue;
    const set: BackupSet = { host: v.host, id: v.id, where: v.where === 'remote' ? 'remote' : 'local', status: String(v.status ?? ''), bytes: Number(v.bytes ?? 0) };
    for (const k of ['db', 'databases', 'files', 'base', 'encryption'] as const) if (typeof v[k] === 'string' && v[k] !== '') set[k] = v[k] as string;
    out.push(set);
  }
  return out;
}

/** `2026-12-04T06:00:00Z` from an id. */
export function idToIso(id: string): string {
  return `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}Z`;
}

/**
 * `--at` as the latest backup id it allows. Accepted: an id (20261204T060000Z), a date
 * (2026-12-04: the end of that day), a date and time (2026-12-04T06:00, "2026-12-04 06:00:30"),
 * with Z or an offset (+02:00); without one the time is UTC, like backup ids.
 */
export function atToId(at: string): string {
  const s = at.trim();
  if (ID_RE.test(s)) return s;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/.exec(s);
  if (!m) throw new UserError(`Cannot read --at "${at}": give a date (2026-12-04), a date and time (2026-12-04T06:00, UTC unless it ends with Z or +hh:mm) or a backup id (20261204T060000Z)`);
  const [, y, mo, d, h, mi, sec, zone] = m;
  const iso = h === undefined ? `${y}-${mo}-${d}T23:59:59Z` : `${y}-${mo}-${d}T${h}:${mi}:${sec ?? '00'}${zone ?? 'Z'}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t) || new Date(Date.parse(`${y}-${mo}-${d}T00:00:00Z`)).getUTCDate() !== Number(d)) throw new UserError(`Cannot read --at "${at}": not a real date and time`);
  return new Date(t)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * The backup of `host` a restore takes: the newest whose id is at or before `at` (the newest of
 * all without `at`). Its status is not a filter: a damaged newest backup is reported by the
 * restore (checksums first), never skipped silently for an older one.
 */
export function pickSet(sets: readonly BackupSet[], host: string, at?: string): BackupSet {
  const limit = at === undefined ? undefined : atToId(at);
  const mine = sets.filter((s) => s.host === host && (limit === undefined || s.id <= limit));
  // A copy on the host itself is preferred to the remote one of the same backup (no download).
  mine.sort((a, b) => (a.id === b.id ? (a.where === 'local' ? -1 : 1) : a.id < b.id ? 1 : -1));
  const picked = mine[0];
  if (!picked) {
    const any = sets
      .filter((s) => s.host === host)
      .map((s) => s.id)
      .sort();
    const range = any.length ? ` (it has ${any.length}, from ${idToIso(any[0]!)} to ${idToIso(any.at(-1)!)})` : ' (it has none)';
    throw new UserError(`No backup of host "${host}"${limit ? ` at or before ${idToIso(limit)}` : ''}${range}`);
  }
  return picked;
}

const size = (n: number): string => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`);

/** Aligned table, oldest first per host. */
export function setsTable(sets: readonly BackupSet[]): string {
  const rows = [...sets]
    .sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id) || a.where.localeCompare(b.where))
    .map((s) => [
      s.host,
      s.id,
      idToIso(s.id),
      s.where,
      s.status,
      size(s.bytes),
      s.where === 'local' ? `${s.db ?? '-'}${s.databases ? ` (${s.databases})` : ''}` : '',
      s.files ?? '',
      s.encryption ?? '',
    ]);
  const head = ['HOST', 'ID', 'TIME (UTC)', 'WHERE', 'STATUS', 'SIZE', 'DATABASE', 'FILES', 'ENCRYPTION'];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
