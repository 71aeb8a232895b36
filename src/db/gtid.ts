/**
 * MariaDB GTID positions (`@@gtid_binlog_pos`, `Gtid_IO_Pos`...): "domain-server-seq" per
 * replication domain, comma separated ("0-1-100,1-2-7"). Within a domain the sequence number
 * grows across primaries (a promoted replica continues after the last seq it has), so "has
 * every transaction of" is a per-domain comparison of seq numbers; the same seq from another
 * server id is a divergent history (an errant transaction), never "equal".
 */

export interface GtidEntry {
  domain: number;
  server: number;
  seq: number;
}

/** Domain -> its last GTID. */
export type GtidPos = ReadonlyMap<number, GtidEntry>;

const ENTRY = /^(\d+)-(\d+)-(\d+)$/;

/** Parses a position; throws on text that is not one (a server never prints such). */
export function parseGtidPos(text: string): GtidPos {
  const out = new Map<number, GtidEntry>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = ENTRY.exec(part);
    if (!m) throw new Error(`Not a GTID position: "${text}"`);
    const e = { domain: Number(m[1]), server: Number(m[2]), seq: Number(m[3]) };
    out.set(e.domain, e);
  }
  return out;
}

export function formatGtidPos(pos: GtidPos): string {
  return [...pos.values()]
    .sort((a, b) => a.domain - b.domain)
    .map((e) => `${e.domain}-${e.server}-${e.seq}`)
    .join(',');
}

export type GtidOrder = 'equal' | 'ahead' | 'behind' | 'diverged';

/**
 * How `a` relates to `b`: `ahead` when a has every transaction of b and more, `behind` the
 * reverse, `diverged` when each has transactions the other lacks (or one seq comes from two
 * different servers: an errant transaction).
 */
export function compareGtid(a: GtidPos, b: GtidPos): GtidOrder {
  let aMore = false;
  let bMore = false;
  for (const d of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(d);
    const y = b.get(d);
    if (!y) aMore = true;
    else if (!x) bMore = true;
    else if (x.seq > y.seq) aMore = true;
    else if (x.seq < y.seq) bMore = true;
    else if (x.server !== y.server) return 'diverged';
  }
  if (aMore && bMore) return 'diverged';
  return aMore ? 'ahead' : bMore ? 'behind' : 'equal';
}

/** True when `a` holds every transaction `b` holds (as far as positions can tell). */
export function covers(a: GtidPos, b: GtidPos): boolean {
  const o = compareGtid(a, b);
  return o === 'equal' || o === 'ahead';
}

/** Transactions `a` has beyond `b`, summed over domains (0 when a is not ahead anywhere). */
export function transactionsAhead(a: GtidPos, b: GtidPos): number {
  let n = 0;
  for (const [d, x] of a) n += Math.max(0, x.seq - (b.get(d)?.seq ?? 0));
  return n;
}

/**
 * The position that covers both (per domain, the later entry): what a node holds when it has
 * its binary log and what it applied as a replica (`@@gtid_binlog_pos` with `@@gtid_slave_pos`).
 */
export function mergeGtid(a: GtidPos, b: GtidPos): GtidPos {
  const out = new Map(a);
  for (const [d, y] of b) {
    const x = out.get(d);
    if (!x || y.seq > x.seq) out.set(d, y);
  }
  return out;
}

/** Names of the entries that cover every other (ties kept); empty when none covers all. */
export function mostAdvanced<T>(items: readonly T[], pos: (t: T) => GtidPos): T[] {
  const best = items.filter((a) => items.every((b) => covers(pos(a), pos(b))));
  return best;
}
