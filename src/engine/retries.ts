/**
 * Applying a batch whose steps may retry (`retries` / `until` / `delay`, Ansible's meaning). A
 * batch without them is one round trip, as always. With them, each retried step ends a round
 * trip of its own (planning already ends the batch after a retried task), so the controller
 * judges `until` on the step's result before anything after it runs; a step not done yet is
 * applied again after `delay` seconds, up to `retries` more times. Each attempt is one round
 * trip: a retried task costs trips only while it is being applied; a converged host, whose
 * probes say there is nothing to apply, never retries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Planned } from './host-play.js';
import type { RoundTripResult } from './remote.js';
import type { ApplyResult } from './script.js';
import { attemptDone, stepOutcome } from './step-result.js';

const DEFAULT_DELAY_S = 5;

export interface BatchResult {
  /** The last round trip, its applies replaced by every step's last attempt (in batch order). */
  rt: RoundTripResult;
  /** Attempts made by each retried step (by step key). */
  attempts: Map<string, number>;
}

/**
 * One round trip that applies `applies` in order, stopping at a failure; `last` is true for the
 * batch's last trip (the one that may probe what comes after it).
 */
export type ApplyTrip = (applies: Planned[], last: boolean) => Promise<RoundTripResult>;

/** Applies `batch` through `trip`; `signal` ends the waits between attempts. */
export async function applyBatch(batch: Planned[], trip: ApplyTrip, signal?: AbortSignal): Promise<BatchResult> {
  const attempts = new Map<string, number>();
  if (!batch.some((b) => b.step.task.retries !== undefined)) return { rt: await trip(batch, true), attempts };
  const results = new Map<string, ApplyResult>();
  let rt: RoundTripResult | undefined;
  for (let start = 0; start < batch.length; ) {
    let end = batch.findIndex((b, k) => k >= start && b.step.task.retries !== undefined);
    if (end < 0) end = batch.length - 1;
    let part = batch.slice(start, end + 1);
    const last = end === batch.length - 1;
    const retried = batch[end]!.step.task.retries === undefined ? undefined : batch[end]!;
    for (;;) {
      rt = await trip(part, last);
      for (const a of rt.applies) results.set(a.id, a);
      if (!retried) break;
      const key = retried.step.key;
      const tries = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, tries);
      const r = results.get(key);
      // Not run (an earlier step failed, the host went away): recordApplies reports it.
      if (!r || rt.lost || !stillTrying(retried, r) || tries > retried.step.task.retries!) break;
      if (!(await pause(retried.step.task.delay ?? DEFAULT_DELAY_S, signal))) break;
      part = [retried];
    }
    // A failed step stops the batch there, as in a single round trip.
    if (
      part.some((p) => {
        const r = results.get(p.step.key);
        return r?.rc !== 0;
      }) ||
      rt.lost
    )
      break;
    start = end + 1;
  }
  return { rt: { ...rt!, applies: batch.flatMap((b) => results.get(b.step.key) ?? []) }, attempts };
}

/** The retried step's attempt is not done (until false, or failed without until); an expression error ends the retries (reported by recordApplies). */
function stillTrying(p: Planned, r: ApplyResult): boolean {
  try {
    return !attemptDone(p.step, stepOutcome(p.step, r));
  } catch {
    return false;
  }
}

/** Waits `seconds`; false when the run was interrupted meanwhile. */
async function pause(seconds: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(seconds * 1000, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}
