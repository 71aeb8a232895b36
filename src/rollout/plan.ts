/**
 * The rollout plan of a run: which hosts go in which batch, and when a finished batch stops the
 * run. Pure; src/engine/run.ts walks the batches (each through the worker pool) and asks
 * `judgeBatch` after each one.
 *
 * Hosts are grouped into rollout units: all hosts whose deciding group (see units.ts) is the same
 * form one unit, batched by that group's `serial`. Batch k of the run holds the k-th batch of
 * every unit, so a canary batch of `web` goes together with the first batch of `db`; hosts of no
 * rolling group are all in batch 1. A batch starts only when the previous one has finished.
 */
import { splitIntoBatches, type BatchEntry } from './batch-size.js';

export interface RolloutUnit {
  /** The deciding group, "--serial" for the command line, "" for hosts without rollout settings. */
  name: string;
  /** Selected hosts of the unit, in inventory order. */
  hosts: string[];
  /** Batch sizes; empty: one batch. */
  serial: BatchEntry[];
  /** Stop when more than this percentage of the unit's batch failed. */
  maxFailPercentage?: number;
  /** Whether a stop rule applies (the unit sets `serial` or `max_fail_percentage`). */
  rolling: boolean;
  /** Where the settings come from, for messages: `group "web" (inventory.yaml:12:5)`. */
  source: string;
}

export interface BatchPart {
  unit: RolloutUnit;
  hosts: string[];
}

export interface Batch {
  /** 1-based. */
  index: number;
  parts: BatchPart[];
  /** Every host of the batch, in inventory order. */
  hosts: string[];
}

/** Batches of the run; `order` is the run's host order (inventory order). */
export function planBatches(units: readonly RolloutUnit[], order: readonly string[]): Batch[] {
  const position = new Map(order.map((h, i) => [h, i]));
  const split = units.filter((u) => u.hosts.length > 0).map((unit) => ({ unit, batches: splitIntoBatches(unit.hosts, unit.serial) }));
  const count = Math.max(0, ...split.map((s) => s.batches.length));
  const out: Batch[] = [];
  for (let k = 0; k < count; k++) {
    const parts = split.filter((s) => k < s.batches.length).map((s) => ({ unit: s.unit, hosts: s.batches[k]! }));
    const hosts = parts.flatMap((p) => p.hosts).sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    out.push({ index: k + 1, parts, hosts });
  }
  return out;
}

/**
 * After a batch: the reason to stop the run, or undefined to go on. Per unit of the batch:
 * - with `max_fail_percentage` M: stop when failed / batch size > M% (0: any failure stops);
 * - rolling without M: stop when every host of the unit's batch failed (Ansible's default);
 * - not rolling: a failure stops only its host.
 * Unreachable hosts count as failed.
 */
export function judgeBatch(batch: Batch, failed: ReadonlySet<string>, batches: number): string | undefined {
  const reasons: string[] = [];
  for (const { unit, hosts } of batch.parts) {
    const bad = hosts.filter((h) => failed.has(h));
    if (!unit.rolling || bad.length === 0) continue;
    const counted = `${bad.length} of ${hosts.length} host(s) of this batch failed (${bad.join(', ')})`;
    if (unit.maxFailPercentage !== undefined) {
      if (bad.length * 100 > unit.maxFailPercentage * hosts.length) reasons.push(`${unit.source}: ${counted}, more than max_fail_percentage ${unit.maxFailPercentage}`);
    } else if (bad.length === hosts.length) {
      reasons.push(`${unit.source}: ${counted}, and no max_fail_percentage is set`);
    }
  }
  if (reasons.length === 0) return undefined;
  return `Rollout stopped after batch ${batch.index} of ${batches}: ${reasons.join('; ')}`;
}
