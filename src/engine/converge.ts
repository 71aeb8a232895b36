/**
 * Converging one host: probe, plan, apply in as few round trips as correctness allows.
 *
 * Round trip 1 gathers facts and probes every task (with facts cached from the last run; when
 * the host's facts differ, tasks are expanded again and re-probed). Planning walks the tasks in
 * order; a step whose probe may be stale (an earlier change in this run touched what it reads,
 * or an earlier change was a barrier such as a package install) ends the batch. The batch is
 * applied and the rest of the play re-probed in the SAME round trip. A converged host therefore
 * costs one round trip; a changed one costs one more per barrier, plus one for handlers.
 *
 * The loop's steps, in order: openingTrips, refuseBrokenTasks, then per batch planForward
 * (plan-forward.ts), and reportCheck (--check) or applyForward.
 */
import type { Recap } from './events.js';
import { parseBootFacts, parseFacts } from './facts-probe.js';
import { handlersFor, notifiedBy, parsePendingHandlers, type ConvergeDeps, type ConvergeOptions, type Exp, type HostPlay, type Planned } from './host-play.js';
import { HostRun } from './host-run.js';
import { handlerSteps, PENDING_PROBE, runHandlers } from './handlers.js';
import { chainedHandlers } from './handler-order.js';
import { reportUnplannable } from './check-mode.js';
import { planForward, type Forward, type Position } from './plan-forward.js';
import { applyBatch } from './retries.js';

export interface HostOutcome {
  recap: Recap;
  failed: boolean;
  interrupted: boolean;
}

export async function convergeHost(play: HostPlay, opts: ConvergeOptions, deps: ConvergeDeps): Promise<HostOutcome> {
  const run = new HostRun(play, opts, deps);
  let at: Position | undefined = await openingTrips(run);
  if (!opts.check && refuseBrokenTasks(run, at.exps)) return outcome(run);
  const guardLimit = 3 * run.n + 10;
  for (let guard = 0; at && (at.cursor < run.n || run.notified.size || run.flow.dueAt(at.cursor)); guard++) {
    if (guard > guardLimit) throw new Error(`Internal error: no progress converging host "${play.host}"`);
    if (opts.signal?.aborted) return { recap: run.recap, failed: true, interrupted: true };
    const fwd = await planForward(run, at);
    if (run.failed) {
      // --check stops at a failure, unless the task ignores its errors (the run would go on).
      const next = opts.check && !run.failureIgnored ? undefined : caught(run);
      if (next === undefined) break;
      at = await reprobeFrom(run, next);
      continue;
    }
    if (opts.check) {
      reportCheck(run, fwd, at);
      break;
    }
    at = await applyForward(run, fwd);
  }
  return outcome(run);
}

/** A failure a block takes over (rescue or always): the task the play goes on from; undefined: the host fails. */
function caught(run: HostRun): number | undefined {
  if (run.lostConnection || run.failedTask === undefined) return undefined;
  // ignore_errors: the play goes on with the next task, as if this one had not failed.
  const next = run.failureIgnored ? run.failedTask + 1 : run.flow.onFailure(run.failedTask);
  run.failureIgnored = false;
  if (next === undefined) return undefined;
  run.failed = false;
  run.failedTask = undefined;
  return next;
}

function outcome(run: HostRun): HostOutcome {
  return { recap: run.recap, failed: run.failed || run.recap.failed > 0, interrupted: false };
}

/** Round trip 1: facts, handlers an earlier run left pending, and (facts cached) every probe; again when the facts changed. */
async function openingTrips(run: HostRun): Promise<Position> {
  let exps = run.facts ? run.expandFrom(0) : new Map<number, Exp>();
  let rt = await run.trip('probing', { applies: [], probeSteps: run.stepsIn(exps), facts: true, extraProbes: [PENDING_PROBE] });
  for (const h of parsePendingHandlers(run.play, rt.probes.get('pending')?.stdout ?? '')) {
    run.notified.add(h);
    run.pendingFromEarlier.add(h);
  }
  const factsOut = rt.probes.get('facts')?.stdout ?? '';
  const fresh = parseFacts(factsOut);
  const boot = parseBootFacts(factsOut, fresh);
  const factsChanged = !run.facts || JSON.stringify(run.facts) !== JSON.stringify(fresh);
  if (factsChanged || JSON.stringify(run.boot) !== JSON.stringify(boot)) run.deps.facts.save({ facts: fresh, ...(boot ? { boot } : {}) });
  run.facts = fresh;
  run.boot = boot;
  if (factsChanged) {
    exps = run.expandFrom(0);
    rt = await run.trip('probing', { applies: [], probeSteps: run.stepsIn(exps) });
  }
  return { cursor: 0, exps, probes: rt.probes };
}

/**
 * An input error in any task (an undefined variable, arguments invalid once rendered, a role
 * file that cannot be read) stops the host before its first change, never half-way through.
 * True when it did.
 */
function refuseBrokenTasks(run: HostRun, exps: Map<number, Exp>): boolean {
  const broken = [...exps].filter(([, e]) => e.kind === 'error').sort(([a], [b]) => a - b);
  for (const [i, e] of broken) {
    const t = run.play.tasks[i]!.task;
    run.emit({ label: t.name, task: t }, 'failed', { error: `${(e as { message: string }).message}\n(nothing was changed on this host: every task is checked before the first change)`, fatal: true });
  }
  return broken.length > 0;
}

/** --check: the batch is reported as planned changes, the rest planned on the current state, and the handlers that would run. */
function reportCheck(run: HostRun, fwd: Forward, at: Position): void {
  for (const b of fwd.batch) {
    run.emit(b.step, 'changed', { summary: b.plan.summary, ...(b.plan.diff ? { diff: b.plan.diff } : {}), ...(b.plan.warnings ? { warnings: b.plan.warnings } : {}) });
    for (const h of notifiedBy(run.play, b)) run.notified.add(h);
  }
  reportUnplannable(run, fwd.stop, at.exps, at.probes);
  // What those handlers notify would run too, if they change something (known only once they run).
  const chained = chainedHandlers(run.notified, (h) => handlersFor(run.play, run.play.handlers[h]!.handler));
  for (const h of [...run.notified, ...chained.keys()].sort((a, b) => a - b)) {
    const hs = run.play.handlers[h]!.handler;
    const by = chained.get(h);
    const why =
      by !== undefined
        ? `would run if handler "${run.play.handlers[by]!.handler.name}" changes something`
        : run.pendingFromEarlier.has(h)
          ? 'would run (notified by an earlier run that did not run it)'
          : 'would run (notified)';
    run.emit({ label: hs.name, task: hs }, 'changed', { summary: [why], handler: true });
  }
  run.notified.clear();
}

/**
 * Applies the batch (re-probing the rest of the play in the same round trip), runs handlers at
 * a flush_handlers or at the end, and says where planning goes on; undefined when the host is done.
 */
async function applyForward(run: HostRun, fwd: Forward): Promise<Position | undefined> {
  const atEnd = fwd.stop >= run.n && fwd.flushAt < 0 && !fwd.due;
  if (fwd.batch.length === 0 && atEnd && run.notified.size === 0) return undefined;
  // Nothing to apply, but the next task needs a fresh probe (deferred register or stale state).
  if (fwd.batch.length === 0 && fwd.flushAt < 0 && !atEnd && !fwd.due) return reprobeFrom(run, fwd.stop);
  const rest = atEnd ? new Map<number, Exp>() : run.expandFrom(fwd.stop);
  let applied: Position | undefined;
  if (fwd.batch.length) {
    // When the play ends with this batch, probe the handlers it may notify in the same round trip.
    const candidates = atEnd || fwd.flushAt >= 0 ? [...new Set([...run.notified, ...fwd.batch.flatMap((b) => notifiedBy(run.play, b))])].sort((a, b) => a - b) : [];
    const preSteps = candidates.length ? (handlerSteps(run, candidates) ?? []) : [];
    if (run.failed) return undefined;
    const probeSteps = [...run.stepsIn(rest), ...preSteps];
    const notify = (p: Planned) => notifiedBy(run.play, p);
    const { rt, attempts } = await applyBatch(fwd.batch, (applies, last) => run.trip('applying', { applies, probeSteps: last ? probeSteps : [], notify }), run.opts.signal);
    applied = { cursor: fwd.stop, exps: rest, probes: rt.probes };
    run.failed = run.recordApplies(fwd.batch, rt, attempts);
    const next = run.failed ? caught(run) : undefined;
    if (next !== undefined) return reprobeFrom(run, next);
    if (run.failed && (!run.opts.forceHandlers || run.lostConnection)) return undefined;
  }
  if (fwd.due && !run.failed) {
    // A failed block's `always` is done: its failure goes on (an outer rescue or always, or the host fails).
    const next = run.flow.resume();
    if (next !== undefined) return reprobeFrom(run, next);
    run.failed = true;
    if (!run.opts.forceHandlers) return undefined;
  }
  if (fwd.flushAt >= 0 || atEnd || run.failed) {
    await runHandlers(run, run.failed ? undefined : applied?.probes);
    if (run.failed) return undefined;
    if (fwd.flushAt >= 0) return reprobeFrom(run, fwd.flushAt + 1);
    if (atEnd) return undefined;
  }
  return applied;
}

/** One round trip probing the play from task `i` on (expanded with what is known now). */
async function reprobeFrom(run: HostRun, i: number): Promise<Position> {
  // Past the last task (an ignored failure of the last one): nothing to probe.
  if (i >= run.n) return { cursor: i, exps: new Map(), probes: new Map() };
  const exps = run.expandFrom(i);
  const rt = await run.trip('probing', { applies: [], probeSteps: run.stepsIn(exps) });
  return { cursor: i, exps, probes: rt.probes };
}
