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
import { resourcesOverlap, type Step } from './steps.js';

type Probes = ReadonlyMap<string, { stdout: string; rc: number }>;

/** Where the loop stands: the next task to plan, the tasks expanded from there, their probes. */
export interface Position {
  cursor: number;
  exps: Map<number, Exp>;
  probes: Probes;
}

/** What planning forward found: the changes to apply, where it stopped, and a flush_handlers it stopped at (-1: none). */
export interface Forward {
  batch: Planned[];
  stop: number;
  flushAt: number;
}

type Verdict = 'next' | 'stop' | 'barrier';

export async function planForward(run: HostRun, at: Position): Promise<Forward> {
  const fwd: Forward = { batch: [], stop: at.cursor, flushAt: -1 };
  const dirty = new Set<string>();
  for (let i = at.cursor; i < run.n; i++) {
    fwd.stop = i;
    const verdict = await planTask(run, i, at, fwd, dirty);
    if (verdict === 'stop') return fwd;
    if (verdict === 'barrier') {
      fwd.stop = i + 1;
      return fwd;
    }
  }
  fwd.stop = run.n;
  return fwd;
}

async function planTask(run: HostRun, i: number, at: Position, fwd: Forward, dirty: Set<string>): Promise<Verdict> {
  const exp = at.exps.get(i)!;
  const t = run.play.tasks[i]!.task;
  if (exp.kind === 'defer') return 'stop';
  if (exp.kind === 'skip') {
    if (!run.skipReported.has(i)) run.emit({ label: t.name, task: t }, 'skipped', { summary: [exp.reason] });
    run.skipReported.add(i);
    run.setRegister(t, { changed: false, skipped: true, skip_reason: exp.reason });
    return 'next';
  }
  if (exp.kind === 'error') {
    run.emit({ label: t.name, task: t }, 'failed', { error: exp.message });
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
  return planSteps(run, t, exp.steps, at.probes, fwd, dirty);
}

/** Plans a task's steps on their probes: changed ones join the batch (and mark what they touch). */
function planSteps(run: HostRun, t: TaskSpec, steps: Step[], probes: Probes, fwd: Forward, dirty: Set<string>): Verdict {
  let anyChanged = false;
  let barrier = false;
  for (const s of steps) {
    let plan: OpPlan;
    try {
      plan = run.planStep(s, probes.get(s.key)!);
    } catch (e) {
      run.emit(s, 'failed', { error: (e as Error).message });
      run.failed = true;
      return 'stop';
    }
    if (plan.changed) {
      fwd.batch.push({ step: s, plan });
      anyChanged = true;
      for (const r of s.resources) dirty.add(r);
      if (s.barrier) barrier = true;
    } else run.emit(s, 'ok', plan.warnings ? { warnings: plan.warnings } : {});
  }
  if (!anyChanged) run.setRegister(t, { changed: false, rc: 0, stdout: '', stderr: '', skipped: false });
  return barrier ? 'barrier' : 'next';
}
