/**
 * Rollout units: which group's `serial` / `max_fail_percentage` decides for each host of a run.
 *
 * A host's deciding group is the one of its groups, in variable precedence order (a child group
 * over its parent, a later-declared sibling over an earlier one), with the highest precedence
 * among those that set `serial` or `max_fail_percentage`: the same rule that picks which group's
 * variable a host sees. Hosts with the same deciding group are batched together.
 *
 * The command line overrides the inventory: `--serial` makes the whole selection one unit;
 * `--max-fail-percentage` replaces every unit's budget. A `--serial` without
 * `--max-fail-percentage` keeps the strictest budget the inventory sets for the selected hosts,
 * so a command line never loosens a budget silently.
 */
import type { GroupRollout, Inventory } from '../model.js';
import type { BatchEntry } from './batch-size.js';
import { shardHosts, type Shard } from './shard.js';
import { planBatches, type Batch, type RolloutUnit } from './plan.js';

export interface RolloutOverrides {
  serial?: BatchEntry[];
  maxFailPercentage?: number;
}

/** The group whose rollout settings a host follows, or undefined when none of its groups sets any. */
export function decidingGroup(inv: Inventory, host: string): string | undefined {
  const groups = inv.hosts.get(host)?.groups ?? [];
  for (let i = groups.length - 1; i >= 0; i--) if (inv.groups.get(groups[i]!)?.rollout) return groups[i];
  return undefined;
}

const where = (r: GroupRollout) => `${r.location.file}:${r.location.line}:${r.location.col}`;

/** Units of the run's hosts (`hosts` in inventory order), in the order their first host appears. */
export function rolloutUnits(inv: Inventory, hosts: readonly string[], over: RolloutOverrides = {}): RolloutUnit[] {
  const byGroup = new Map<string, string[]>();
  for (const h of hosts) {
    const g = decidingGroup(inv, h) ?? '';
    byGroup.set(g, [...(byGroup.get(g) ?? []), h]);
  }
  if (over.serial) {
    const budgets = [...byGroup.keys()].map((g) => inv.groups.get(g)?.rollout?.maxFailPercentage).filter((m): m is number => m !== undefined);
    const max = over.maxFailPercentage ?? (budgets.length ? Math.min(...budgets) : undefined);
    const from = over.maxFailPercentage === undefined && max !== undefined ? ` (max_fail_percentage ${max}: the strictest of the selected hosts' groups)` : '';
    return [{ name: '--serial', hosts: [...hosts], serial: over.serial, ...(max !== undefined ? { maxFailPercentage: max } : {}), rolling: true, source: `--serial ${over.serial.join(',')}${from}` }];
  }
  return [...byGroup].map(([g, members]) => {
    const r = inv.groups.get(g)?.rollout;
    const max = over.maxFailPercentage ?? r?.maxFailPercentage;
    const source = r ? `group "${g}" (${where(r)})` : 'hosts of no rolling group';
    return {
      name: g,
      hosts: members,
      serial: r?.serial ?? [],
      ...(max !== undefined ? { maxFailPercentage: max } : {}),
      rolling: Boolean(r) || max !== undefined,
      source: over.maxFailPercentage !== undefined ? `${source} with --max-fail-percentage ${max}` : source,
    };
  });
}

/**
 * The batches a run walks. Plans and `--check` change nothing, so they probe every host at once
 * (one batch) whatever the inventory says.
 */
export function batchesForRun(inv: Inventory, hosts: readonly string[], opts: RolloutOverrides & { check: boolean }): Batch[] {
  const over: RolloutOverrides = {
    ...(opts.serial ? { serial: opts.serial } : {}),
    ...(opts.maxFailPercentage !== undefined ? { maxFailPercentage: opts.maxFailPercentage } : {}),
  };
  const units = opts.check ? [{ name: '', hosts: [...hosts], serial: [], rolling: false, source: 'check mode' }] : rolloutUnits(inv, hosts, over);
  return planBatches(units, hosts);
}

/** `--shard i/n` over the run's hosts, spreading each rollout unit evenly (see shard.ts). */
export function hostsOfShard(inv: Inventory, hosts: readonly string[], shard: Shard): string[] {
  return shardHosts(hosts, (h) => decidingGroup(inv, h) ?? '', shard);
}
