/** Handlers: run once, after the tasks (or at flush_handlers), only when a task that notifies them changed something. */
import { expandTask, type Step } from './steps.js';
import type { Planned } from './host-play.js';
import type { HostRun } from './host-run.js';
import { PENDING_HANDLERS_FILE, type ApplyItem, type ProbeItem } from './script.js';
import { applyBatch } from './retries.js';

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

/** Run notified handlers: probe (unless `pre` already holds fresh probes of them), plan, apply. */
export async function runHandlers(run: HostRun, pre?: ReadonlyMap<string, { stdout: string; rc: number }>): Promise<void> {
  if (run.notified.size === 0) return;
  const order = [...run.notified].sort((a, b) => a - b);
  run.notified.clear();
  const steps = handlerSteps(run, order);
  if (!steps) return;
  const hadPending = run.pendingFromEarlier.size > 0;
  run.pendingFromEarlier.clear();
  const probed = pre && steps.every((s) => pre.has(s.key)) ? pre : (await run.trip('handlers', { applies: [], probeSteps: steps })).probes;
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
  // The pending record on the host is cleared once every handler ran (it is the last step, so a
  // failing handler leaves it for the next run).
  if (!planned.length) {
    if (hadPending && !run.failed) await run.trip('handlers', { applies: [], probeSteps: [], extraApplies: [CLEAR_PENDING] });
    return;
  }
  // As tasks: register, changed_when / failed_when, retries / until (each attempt a round trip);
  // the last round trip clears the record, after every handler (a failure stops the script first).
  const clear = run.failed ? [] : [CLEAR_PENDING];
  const { rt, attempts } = await applyBatch(planned, (applies, last) => run.trip('handlers', { applies, probeSteps: [], extraApplies: last ? clear : [] }), run.opts.signal);
  if (run.recordApplies(planned, rt, attempts, true)) run.failed = true;
}
