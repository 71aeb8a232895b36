/**
 * Converging one host: probe, plan, apply in as few round trips as correctness allows.
 *
 * Round trip 1 gathers facts and probes every task (with facts cached from the last run; when
 * the host's facts differ, tasks are expanded again and re-probed). Planning walks the tasks in
 * order; a step whose probe may be stale (an earlier change in this run touched what it reads,
 * or an earlier change was a barrier such as a package install) ends the batch. The batch is
 * applied and the rest of the play re-probed in the SAME round trip. A converged host therefore
 * costs one round trip; a changed one costs one more per barrier, plus one for handlers.
 */
import type { HandlerSpec, TaskSpec, RoleSpec } from '../model.js';
import type { ContentCache, OpModule, OpPlan } from '../ops/types.js';
import type { Renderer } from '../template/index.js';
import type { EventBus, Recap } from './events.js';
import type { Facts } from '../ops/facts.js';
import { parseFacts } from './facts-probe.js';
import type { Remote } from './remote.js';
import { resourcesOverlap, type Step } from './steps.js';
import type { Vars } from './scope.js';
import { HostRun, notifiedBy, type Exp, type Planned } from './host-run.js';
import { joinableTasks, type LaterTask } from './join-steps.js';
import { handlersFor, handlerSteps, parsePendingHandlers, PENDING_PROBE, runHandlers } from './handlers.js';
import { runDelegated } from './delegated.js';
import { reportUnplannable } from './check-mode.js';

export { handlersFor } from './handlers.js';

export interface PlayTask {
  task: TaskSpec;
  role: RoleSpec;
}

export interface HostPlay {
  host: string;
  tasks: PlayTask[];
  handlers: { handler: HandlerSpec; role: RoleSpec }[];
  /** Scope without facts; facts are added once known. */
  baseScope: (facts: Facts | undefined) => Vars;
  /** Tasks marked run_once that another host runs: index -> that host. */
  runOnceElsewhere: Map<number, string>;
}

export interface ConvergeOptions {
  check: boolean;
  diff: boolean;
  forceHandlers: boolean;
  signal?: AbortSignal;
}

export interface ConvergeDeps {
  remote: Remote;
  renderer: Renderer;
  ops: ReadonlyMap<string, OpModule>;
  bus: EventBus;
  facts: { load(): Facts | undefined; save(f: Facts): void };
  /** File texts kept between runs for this host (probes then send only a sha256). */
  content?: ContentCache;
  /** The connection to another inventory host, for tasks with `delegate_to` (opened once per run). */
  delegate?: (host: string) => Promise<Remote>;
}

export async function convergeHost(play: HostPlay, opts: ConvergeOptions, deps: ConvergeDeps): Promise<{ recap: Recap; failed: boolean; interrupted: boolean }> {
  const run = new HostRun(play, opts, deps);
  const n = play.tasks.length;
  // ---- Round trip 1: facts (+ probes when facts are cached) ----
  let exps = run.facts ? run.expandFrom(0) : new Map<number, Exp>();
  let rt = await run.trip('probing', { applies: [], probeSteps: run.stepsIn(exps), facts: true, extraProbes: [PENDING_PROBE] });
  for (const h of parsePendingHandlers(play, rt.probes.get('pending')?.stdout ?? '')) {
    run.notified.add(h);
    run.pendingFromEarlier.add(h);
  }
  const fresh = parseFacts(rt.probes.get('facts')?.stdout ?? '');
  if (!run.facts || JSON.stringify(run.facts) !== JSON.stringify(fresh)) {
    run.facts = fresh;
    deps.facts.save(fresh);
    exps = run.expandFrom(0);
    rt = await run.trip('probing', { applies: [], probeSteps: run.stepsIn(exps) });
  }
  // An input error in any task (an undefined variable, arguments invalid once rendered, a role
  // file that cannot be read) stops the host before its first change, never half-way through.
  if (!opts.check) {
    const broken = [...exps].filter(([, e]) => e.kind === 'error').sort(([a], [b]) => a - b);
    for (const [i, e] of broken) {
      const t = play.tasks[i]!.task;
      run.emit({ label: t.name, task: t }, 'failed', { error: `${(e as { message: string }).message}\n(nothing was changed on this host: every task is checked before the first change)` });
    }
    if (broken.length) return { recap: run.recap, failed: true, interrupted: false };
  }
  let probes = rt.probes;
  let cursor = 0;
  const reported = new Set<number>(); // tasks whose skip/error was already reported
  const guardLimit = 3 * n + 10;

  for (let guard = 0; cursor < n || run.notified.size; guard++) {
    if (guard > guardLimit) throw new Error(`Internal error: no progress converging host "${play.host}"`);
    if (opts.signal?.aborted) return { recap: run.recap, failed: true, interrupted: true };
    // ---- Plan forward from the cursor ----
    const batch: Planned[] = [];
    const dirty = new Set<string>();
    let barrier = false;
    let flushAt = -1;
    let i = cursor;
    for (; i < n && !barrier; i++) {
      if (run.joinedTasks.has(i)) continue; // done and reported with the step it joined
      const exp = exps.get(i)!;
      const t = play.tasks[i]!.task;
      if (exp.kind === 'defer') break;
      if (exp.kind === 'skip') {
        if (!reported.has(i)) run.emit({ label: t.name, task: t }, 'skipped', { summary: [exp.reason] });
        reported.add(i);
        run.setRegister(t, { changed: false, skipped: true, skip_reason: exp.reason });
        continue;
      }
      if (exp.kind === 'error') {
        run.emit({ label: t.name, task: t }, 'failed', { error: exp.message });
        run.failed = true;
        break;
      }
      if (t.op === 'flush_handlers') {
        if (run.notified.size || batch.length) {
          flushAt = i;
          break;
        }
        continue;
      }
      if (t.delegateTo !== undefined) {
        if (batch.length) break; // apply what this host has first, in order
        if (opts.check) {
          run.emit({ label: t.name, task: t }, 'skipped', { summary: [`delegated to "${t.delegateTo}": not planned in check mode`] });
          continue;
        }
        if (await runDelegated(run, t, exp.steps)) {
          run.failed = true;
          break;
        }
        continue;
      }
      if (exp.steps.some((s) => !probes.has(s.key) || resourcesOverlap(s.resources, dirty))) break;
      let anyChanged = false;
      for (const s of exp.steps) {
        let plan: OpPlan;
        try {
          plan = run.planStep(s, probes.get(s.key)!);
        } catch (e) {
          run.emit(s, 'failed', { error: (e as Error).message });
          run.failed = true;
          break;
        }
        if (plan.changed) {
          const joined = s.barrier && s.op.join && !opts.check ? joinLater(run, s, i, exps, probes) : undefined;
          batch.push(joined ? { step: s, plan: joined.plan, joined: joined.steps } : { step: s, plan });
          for (const j of joined?.steps ?? []) for (const r of j.step.resources) dirty.add(r);
          anyChanged = true;
          for (const r of s.resources) dirty.add(r);
          if (s.barrier) barrier = true;
        } else run.emit(s, 'ok', plan.warnings ? { warnings: plan.warnings } : {});
      }
      if (run.failed) break;
      if (!anyChanged) run.setRegister(t, { changed: false, rc: 0, stdout: '', stderr: '', skipped: false });
    }
    if (run.failed) break;

    if (opts.check) {
      for (const b of batch) {
        run.emit(b.step, 'changed', { summary: b.plan.summary, ...(b.plan.diff ? { diff: b.plan.diff } : {}), ...(b.plan.warnings ? { warnings: b.plan.warnings } : {}) });
        for (const h of notifiedBy(play, b)) run.notified.add(h);
      }
      reportUnplannable(run, i, exps, probes);
      for (const h of [...run.notified].sort((a, b) => a - b)) {
        const hs = play.handlers[h]!.handler;
        run.emit({ label: hs.name, task: hs }, 'changed', { summary: [run.pendingFromEarlier.has(h) ? 'would run (notified by an earlier run that did not run it)' : 'would run (notified)'], handler: true });
      }
      run.notified.clear();
      break;
    }

    const atEnd = i >= n && flushAt < 0;
    if (batch.length === 0 && atEnd && run.notified.size === 0) break;
    if (batch.length === 0 && flushAt < 0 && !atEnd) {
      // Nothing to apply, but the next task needs a fresh probe (deferred register or stale state).
      exps = run.expandFrom(i);
      rt = await run.trip('probing', { applies: [], probeSteps: run.stepsIn(exps) });
      probes = rt.probes;
      cursor = i;
      continue;
    }
    // ---- Apply the batch; re-probe the rest in the same round trip ----
    const rest = atEnd ? new Map<number, Exp>() : run.expandFrom(i);
    let handlerProbes: ReadonlyMap<string, { stdout: string; rc: number }> | undefined;
    if (batch.length) {
      // When the play ends with this batch, probe the handlers it may notify in the same round trip.
      const candidates = atEnd || flushAt >= 0 ? [...new Set([...run.notified, ...batch.flatMap((b) => notifiedBy(play, b))])].sort((a, b) => a - b) : [];
      const preSteps = candidates.length ? handlerSteps(run, candidates) ?? [] : [];
      if (run.failed) break;
      rt = await run.trip('applying', { applies: batch, probeSteps: [...run.stepsIn(rest), ...preSteps], notify: (p) => notifiedBy(play, p) });
      handlerProbes = rt.probes;
      run.failed = run.recordApplies(batch, rt);
      if (run.failed && (!opts.forceHandlers || run.lostConnection)) break;
    }
    if (flushAt >= 0 || atEnd || run.failed) {
      await runHandlers(run, run.failed ? undefined : handlerProbes);
      if (run.failed) break;
      if (flushAt >= 0) {
        i = flushAt + 1;
        exps = run.expandFrom(i);
        rt = await run.trip('probing', { applies: [], probeSteps: run.stepsIn(exps) });
        probes = rt.probes;
        cursor = i;
        continue;
      }
      if (atEnd) break;
    }
    exps = rest;
    probes = rt.probes;
    cursor = i;
  }
  return { recap: run.recap, failed: run.failed || run.recap.failed > 0, interrupted: false };
}

/**
 * Later steps of the same op that may join step `s` (task `i`), planned on this round trip's
 * probes, and the one plan doing all of it; undefined when none joins. The tasks are marked so
 * the walk does not plan them again.
 */
function joinLater(run: HostRun, s: Step, i: number, exps: Map<number, Exp>, probes: ReadonlyMap<string, { stdout: string; rc: number }>): { plan: OpPlan; steps: Planned[] } | undefined {
  const later: LaterTask[] = [];
  for (let j = i + 1; j < run.n; j++) {
    const e = exps.get(j);
    if (!e || run.joinedTasks.has(j)) break;
    later.push({ index: j, task: run.play.tasks[j]!.task, ...(e.kind === 'steps' ? { kind: 'steps', steps: e.steps } : { kind: e.kind }) } as LaterTask);
  }
  const ctx = { host: run.play.host, facts: run.facts!, check: false, diff: run.opts.diff };
  let acc = { args: s.args, state: s.op.parse(probes.get(s.key)!, s.args) };
  const steps: Planned[] = [];
  for (const t of joinableTasks(s.op.name, later).tasks) {
    const mine: Planned[] = [];
    let next = acc;
    for (const step of t.steps) {
      const probe = probes.get(step.key);
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
