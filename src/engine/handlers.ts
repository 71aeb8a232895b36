/** Handlers: run once, after the tasks (or at flush_handlers), only when a task (or a handler) that notifies them changed something. */
import { expandTask, type Step } from './steps.js';
import { handlersFor, type Planned } from './host-play.js';
import type { HostRun } from './host-run.js';
import { PENDING_HANDLERS_FILE, type ApplyItem, type ProbeItem } from './script.js';
import { applyBatch } from './retries.js';
import { handlerReach, nextHandlerBatch } from './handler-order.js';

// Builtins only: the file is absent on almost every run, and this probe is in every first round trip.
export const PENDING_PROBE: ProbeItem = {
  id: 'pending',
  fragment: `if [ -r ${PENDING_HANDLERS_FILE} ]; then while IFS= read -r wpha_h || [ -n "$wpha_h" ]; do printf '%s\\n' "$wpha_h"; done < ${PENDING_HANDLERS_FILE}; fi; true`,
};
const CLEAR_PENDING: ApplyItem = { id: 'pending-clear', fragment: `rm -f ${PENDING_HANDLERS_FILE}`, notifyFlags: [] };

/** Steps of the given handlers (in definition order), or undefined after reporting a failure. */
export function handlerSteps(run: HostRun, order: number[]): Step[] | undefined {
  const scope = run.scopeNow();
  const steps: Step[] = [];
  for (const h of order) {
    const { handler, role } = run.play.handlers[h]!;
    const exp = expandTask(run.n + h, handler, scope, { host: run.play.host, facts: run.facts!, role, renderer: run.deps.renderer, ops: run.deps.ops });
    if (exp.kind === 'error') {
      run.emit({ label: handler.name, task: handler }, 'failed', { error: exp.message, handler: true });
      run.failed = true;
      return undefined;
    }
    if (exp.kind === 'steps') steps.push(...exp.steps.map((s) => ({ ...s, key: `h${h}${s.key.slice(`t${run.n + h}`.length)}` })));
  }
  return steps;
}

/**
 * Run notified handlers: probe (unless `pre` already holds fresh probes of them), plan, apply.
 * What a changed handler notifies runs in the same flush (handler-order.ts): each handler once,
 * after every due handler that may notify it; a round per link of such a chain.
 */
export async function runHandlers(run: HostRun, pre?: ReadonlyMap<string, { stdout: string; rc: number }>): Promise<void> {
  if (run.notified.size === 0) return;
  const hadPending = run.pendingFromEarlier.size > 0;
  run.pendingFromEarlier.clear();
  const targets = (h: number) => handlersFor(run.play, run.play.handlers[h]!.handler);
  const reaches = handlerReach(targets);
  const ran = new Set<number>();
  let probes = pre;
  let applied = false;
  let cleared = false;
  while (run.notified.size > 0) {
    const batch = nextHandlerBatch(run.notified, reaches);
    for (const h of batch) {
      run.notified.delete(h);
      ran.add(h);
    }
    const steps = handlerSteps(run, batch);
    if (!steps) return;
    const probed = probes && steps.every((s) => probes!.has(s.key)) ? probes : (await run.trip('handlers', { applies: [], probeSteps: steps })).probes;
    probes = undefined; // what an earlier round changed makes older probes stale
    const planned: Planned[] = [];
    for (const s of steps) {
      const out = probed.get(s.key);
      try {
        if (!out) throw new Error('no probe result');
        const plan = run.planStep(s, out, run.play.host, false);
        if (plan.changed) planned.push({ step: s, plan });
        else run.emit(s, 'ok', { handler: true });
      } catch (e) {
        run.emit(s, 'failed', { error: (e as Error).message, handler: true });
        run.failed = true;
      }
    }
    if (!planned.length) continue;
    // As tasks: register, changed_when / failed_when, retries / until (each attempt a round
    // trip), the handlers a change notifies (recorded on the host as pending, as a task's are).
    // The pending record is cleared by the flush's last round trip, after every handler (a
    // failure stops the script first and leaves it for the next run): in this round when
    // nothing is left to run and none of its handlers can notify another.
    const last = run.notified.size === 0 && batch.every((h) => targets(h).length === 0);
    const clear = run.failed || !last ? [] : [CLEAR_PENDING];
    const notify = (p: Planned) => handlersFor(run.play, p.step.task);
    const { rt, attempts } = await applyBatch(planned, (applies, lastTry) => run.trip('handlers', { applies, probeSteps: [], notify, extraApplies: lastTry ? clear : [] }), run.opts.signal);
    applied = true;
    if (run.recordApplies(planned, rt, attempts, true)) {
      run.failed = true;
      return;
    }
    cleared = clear.length > 0;
    for (const h of [...run.notified].filter((x) => ran.has(x))) {
      // Notified again after it ran in this flush: handlers notifying each other in a circle
      // (across roles; the loader refuses one within a role). Once per flush, said so.
      run.notified.delete(h);
      const { handler } = run.play.handlers[h]!;
      run.emit({ label: handler.name, task: handler }, 'skipped', {
        summary: ['notified again after it ran in this flush (handlers notify each other in a circle): a handler runs once per flush'],
        handler: true,
      });
    }
  }
  if (!cleared && (hadPending || applied) && !run.failed) await run.trip('handlers', { applies: [], probeSteps: [], extraApplies: [CLEAR_PENDING] });
}
