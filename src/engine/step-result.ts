/**
 * What one run of a step on a host means to its task: the value `register:` stores (and
 * `result`), with `changed_when` / `failed_when` applied, and whether `until` holds. Pure; used
 * when recording applied steps (host-run.ts) and between the attempts of a retried task (retries.ts).
 */
import { evaluateBool } from '../expr/index.js';
import type { ApplyResult } from './script.js';
import { nullProto, withNames, type Vars } from './scope.js';
import type { Step } from './steps.js';

export interface StepOutcome {
  /** What the task registers: { changed, rc, stdout, stderr, failed, skipped, ... }. */
  value: Record<string, unknown>;
  changed: boolean;
  failed: boolean;
}

function resultScope(step: Step, value: Record<string, unknown>): Vars {
  const v = nullProto(Object.entries(value));
  return withNames(step.scope, { result: v, ...(step.task.register ? { [step.task.register]: v } : {}) });
}

/** The step's result with changed_when / failed_when applied. Throws when one of them cannot be evaluated. */
export function stepOutcome(step: Step, r: ApplyResult): StepOutcome {
  const t = step.task;
  let changed = r.changed;
  let failed = r.rc !== 0;
  const result = { changed, rc: r.rc, stdout: r.stdout.replace(/\n$/, ''), stderr: r.stderr.replace(/\n$/, ''), failed, skipped: false };
  const value = step.op.registerValue ? { ...step.op.registerValue({ changed, rc: r.rc, output: r.stdout }, step.args), ...result } : result;
  const scope = resultScope(step, value);
  if (t.failedWhen !== undefined) failed = evaluateBool(t.failedWhen, scope, { origin: t.location });
  if (t.changedWhen !== undefined && !failed) changed = evaluateBool(t.changedWhen, scope, { origin: t.location });
  return { value: { ...value, changed, failed }, changed, failed };
}

/** A retried task is done with this attempt: `until` holds (without `until`: the attempt did not fail). Throws like stepOutcome. */
export function attemptDone(step: Step, outcome: StepOutcome): boolean {
  const until = step.task.until;
  if (until === undefined) return !outcome.failed;
  return evaluateBool(until, resultScope(step, outcome.value), { origin: step.task.location });
}
