/**
 * `--shard i/n`: which of a run's hosts shard i of n converges, so that n agents (e.g. the
 * branches of a Jenkins `parallel` stage) each take a disjoint part and together cover every
 * host once.
 *
 * The split depends only on host names and their rollout units, never on inventory order:
 * 1. hosts are grouped by stratum (their deciding group, see units.ts), strata sorted by name;
 * 2. within a stratum, hosts are sorted by the SHA-256 of their name (ties by name);
 * 3. the hosts are dealt round-robin to shards 1..n in that order, the dealer continuing from
 *    one stratum to the next.
 * So shard sizes differ by at most one host, every rolling group is spread evenly (each shard
 * gets its share of `web`, its share of `db`), and reordering hosts or groups in inventory.yaml
 * moves nothing. Adding or removing a host may move others: the shards of ONE run agree because
 * every agent computes the same split from the same inventory and `--limit`.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || count > 10_000) {
    throw new UserError(`--shard "${text}": expected i/n with 1 <= i <= n, e.g. "1/4" for the first of four agents`);
  }
  return { index, count };
}

const key = (name: string) => createHash('sha256').update(name).digest('hex');

/** Shard number (1-based) of each host. `stratum` names the rollout unit of a host ("" for none). */
export function assignShards(hosts: readonly string[], stratum: (host: string) => string, count: number): Map<string, number> {
  const strata = new Map<string, string[]>();
  for (const h of hosts) strata.set(stratum(h), [...(strata.get(stratum(h)) ?? []), h]);
  const out = new Map<string, number>();
  let dealer = 0;
  for (const s of [...strata.keys()].sort()) {
    const sorted = strata
      .get(s)!
      .map((h) => ({ h, k: key(h) }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.h < b.h ? -1 : 1));
    for (const { h } of sorted) out.set(h, (dealer++ % count) + 1);
  }
  return out;
}

/** The hosts of one shard, in the run's order. */
export function shardHosts(hosts: readonly string[], stratum: (host: string) => string, shard: Shard): string[] {
  const of = assignShards(hosts, stratum, shard.count);
  return hosts.filter((h) => of.get(h) === shard.index);
}
