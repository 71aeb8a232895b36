/**
 * Planning forward from a position in a host's play: each task is skipped, planned on its probe
 * (unchanged steps reported ok, changed ones joining the batch), delegated, or ends the batch:
 * a task waiting for a register, a probe that an earlier change of this batch may have made
 * stale, a barrier (a package install, a command), a flush_handlers with something to flush,
 * or a failure.
 */
import type { TaskSpec } from '../model.js';
import type { OpPlan } from '../ops/types.js';
import type { Exp, Planned } from './host-play.js';
import type { HostRun } from './host-run.js';
import { runDelegated } from './delegated.js';
import { joinableTasks, type LaterTask } from './join-steps.js';
import { resourcesOverlap, type Step } from './steps.js';

type Probes = ReadonlyMap<string, { stdout: string; rc: number }>;

/** Where the loop stands: the next task to plan, the tasks expanded from there, their probes. */
export interface Position {
  cursor: number;
  exps: Map<number, Exp>;
  probes: Probes;
}

/**
 * What planning forward found: the changes to apply, where it stopped, a flush_handlers it
 * stopped at (-1: none), and whether it stopped where a failed block's `always` ended (due).
 */
export interface Forward {
  batch: Planned[];
  stop: number;
  flushAt: number;
  due: boolean;
}

type Verdict = 'next' | 'stop' | 'barrier';

export async function planForward(run: HostRun, at: Position): Promise<Forward> {
  const fwd: Forward = { batch: [], stop: at.cursor, flushAt: -1, due: false };
  const dirty = new Set<string>();
  for (let i = at.cursor; i < run.n; i++) {
    fwd.stop = i;
    if ((fwd.due = run.flow.dueAt(i))) return fwd;
    const verdict = await planTask(run, i, at, fwd, dirty);
    if (verdict === 'stop') return fwd;
    if (verdict === 'barrier') {
      fwd.stop = i + 1;
      return fwd;
    }
  }
  fwd.stop = run.n;
  fwd.due = run.flow.dueAt(run.n);
  return fwd;
}

async function planTask(run: HostRun, i: number, at: Position, fwd: Forward, dirty: Set<string>): Promise<Verdict> {
  if (run.joinedTasks.has(i)) return 'next'; // done and reported with the step it joined
  const exp = at.exps.get(i)!;
  const t = run.play.tasks[i]!.task;
  if (exp.kind === 'defer') return 'stop';
  if (exp.kind === 'skip' && exp.quiet) return 'next';
  if (exp.kind === 'skip') {
    if (!run.skipReported.has(i)) run.emit({ label: t.name, task: t }, 'skipped', { summary: [exp.reason] });
    run.skipReported.add(i);
    run.setRegister(t, { changed: false, skipped: true, skip_reason: exp.reason });
    return 'next';
  }
  if (exp.kind === 'error') {
    // In a block, the failure moves the play (rescue, always): apply what comes before it first.
    if (fwd.batch.length && t.blocks) return 'stop';
    run.emit({ label: t.name, task: t }, 'failed', { error: exp.message, fatal: true });
    run.failed = true;
    return 'stop';
  }
  if (t.op === 'flush_handlers') {
    if (!run.notified.size && !fwd.batch.length) return 'next';
    fwd.flushAt = i;
    return 'stop';
  }
  if (t.delegateTo !== undefined) {
    if (fwd.batch.length) return 'stop'; // apply what this host has first, in order
    if (run.opts.check) {
      run.emit({ label: t.name, task: t }, 'skipped', { summary: [`delegated to "${t.delegateTo}": not planned in check mode`] });
      return 'next';
    }
    if (!(await runDelegated(run, t, exp.steps))) return 'next';
    run.failed = true;
    return 'stop';
  }
  if (exp.steps.some((s) => !at.probes.has(s.key) || resourcesOverlap(s.resources, dirty))) return 'stop';
  return planSteps(run, i, t, exp.steps, at, fwd, dirty);
}

/** Plans a task's steps on their probes: changed ones join the batch (and mark what they touch). */
function planSteps(run: HostRun, i: number, t: TaskSpec, steps: Step[], at: Position, fwd: Forward, dirty: Set<string>): Verdict {
  let anyChanged = false;
  let barrier = false;
  for (const s of steps) {
    let plan: OpPlan;
    try {
      plan = run.planStep(s, at.probes.get(s.key)!);
    } catch (e) {
      // A failure the play goes on from (a block's rescue or always, ignore_errors): apply what
      // comes before it first; the task is planned again, on a fresh probe, once that is done.
      if (fwd.batch.length && (t.blocks || t.ignoreErrors)) return 'stop';
      run.emit(s, 'failed', { error: (e as Error).message });
      run.failed = true;
      return 'stop';
    }
    if (plan.changed) {
      const joined = s.barrier && s.op.join && !run.opts.check && t.retries === undefined ? joinLater(run, s, i, at) : undefined;
      fwd.batch.push(joined ? { step: s, plan: joined.plan, joined: joined.steps } : { step: s, plan });
      for (const j of joined?.steps ?? []) for (const r of j.step.resources) dirty.add(r);
      anyChanged = true;
      for (const r of s.resources) dirty.add(r);
      // A retried task ends its batch: its attempts are round trips of their own (retries.ts).
      if (s.barrier || t.retries !== undefined) barrier = true;
    } else run.emit(s, 'ok', plan.warnings ? { warnings: plan.warnings } : {});
  }
  if (!anyChanged) run.setRegister(t, { changed: false, rc: 0, stdout: '', stderr: '', skipped: false });
  return barrier ? 'barrier' : 'next';
}

/**
 * Later steps of the same op that may join step `s` (task `i`), planned on this round trip's
 * probes, and the one plan doing all of it; undefined when none joins. The tasks are marked so
 * the walk does not plan them again.
 */
function joinLater(run: HostRun, s: Step, i: number, at: Position): { plan: OpPlan; steps: Planned[] } | undefined {
  const later: LaterTask[] = [];
  for (let j = i + 1; j < run.n; j++) {
    const e = at.exps.get(j);
    if (!e || run.joinedTasks.has(j)) break;
    later.push({ index: j, task: run.play.tasks[j]!.task, ...(e.kind === 'steps' ? { kind: 'steps', steps: e.steps } : { kind: e.kind }) } as LaterTask);
  }
  const ctx = { host: run.play.host, facts: run.facts!, check: false, diff: run.opts.diff };
  let acc = { args: s.args, state: s.op.parse(at.probes.get(s.key)!, s.args) };
  const steps: Planned[] = [];
  for (const t of joinableTasks(s.op.name, later).tasks) {
    const mine: Planned[] = [];
    let next = acc;
    for (const step of t.steps) {
      const probe = at.probes.get(step.key);
      if (!probe) return finish();
      const state = step.op.parse(probe, step.args);
      const own = step.op.plan(step.args, state, ctx);
      if (!own.changed) continue;
      const j = s.op.join!(next, { args: step.args, state });
      if (!j) return finish();
      next = j;
      mine.push({ step, plan: own });
    }
    if (mine.length === 0) continue; // already in place: planned where it stands
    acc = next;
    steps.push(...mine);
    run.joinedTasks.add(t.index);
  }
  return finish();
  function finish() {
    return steps.length ? { plan: s.op.plan(acc.args, acc.state, ctx), steps } : undefined;
  }
}
