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
import type { OpModule, OpPlan, StagedFile } from '../ops/types.js';
import type { Renderer } from '../template/index.js';
import { evaluateBool } from '../expr/index.js';
import type { EventBus, Recap, TaskStatus } from './events.js';
import { emptyRecap } from './events.js';
import { ConnectError } from '../errors.js';
import type { Facts } from './facts.js';
import { parseFacts } from './facts-probe.js';
import type { Remote, RoundTripResult } from './remote.js';
import type { ApplyItem, ProbeItem } from './script.js';
import { expandTask, pendingRegisters, resourcesOverlap, type Expansion, type Step } from './steps.js';
import { nullProto, withNames, type Vars } from './scope.js';

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
  /** The connection to another inventory host, for tasks with `delegate_to` (opened once per run). */
  delegate?: (host: string) => Promise<Remote>;
}

type Exp = Expansion | { kind: 'defer'; names: string[] };

interface Planned {
  step: Step;
  plan: OpPlan;
}

export class HostFailed extends Error {}

export async function convergeHost(play: HostPlay, opts: ConvergeOptions, deps: ConvergeDeps): Promise<{ recap: Recap; failed: boolean; interrupted: boolean }> {
  const { remote, bus } = deps;
  const recap = emptyRecap();
  const registered: Vars = nullProto();
  const notified = new Set<number>();
  const n = play.tasks.length;
  let facts = deps.facts.load();
  let failed = false;

  const emit = (step: { label: string; task: TaskSpec }, status: TaskStatus, extra: { summary?: string[]; diff?: string; warnings?: string[]; error?: string; handler?: boolean; ms?: number } = {}) => {
    recap[status === 'changed' ? 'changed' : status]++;
    bus.emit({ type: 'task', host: play.host, role: step.task.role, task: step.label, status, planned: opts.check && status === 'changed', summary: extra.summary ?? [], ...(extra.diff ? { diff: extra.diff } : {}), warnings: extra.warnings ?? [], ...(extra.error ? { error: extra.error } : {}), handler: extra.handler ?? false, ms: extra.ms ?? 0 });
  };

  const scopeNow = (): Vars => withNames(play.baseScope(facts), registered);

  const expandFrom = (start: number): Map<number, Exp> => {
    const out = new Map<number, Exp>();
    const scope = scopeNow();
    const pending = new Set<string>();
    for (let i = 0; i < n; i++) {
      const t = play.tasks[i]!.task;
      if (i >= start) {
        const other = play.runOnceElsewhere.get(i);
        if (t.op === 'flush_handlers') out.set(i, { kind: 'steps', steps: [] });
        else if (other) out.set(i, { kind: 'skip', reason: `run once, on host "${other}"` });
        else {
          const names = pendingRegisters(t, pending);
          out.set(i, names.length ? { kind: 'defer', names } : expandTask(i, t, scope, { host: play.host, facts: facts!, role: play.tasks[i]!.role, renderer: deps.renderer, ops: deps.ops }));
        }
      }
      if (t.register && !(t.register in registered)) pending.add(t.register);
    }
    return out;
  };


  const preludesOf = (steps: Step[]): string[] => [...new Set(steps.map((s) => s.op.prelude).filter((p): p is string => Boolean(p)))];
  // Steps probed on this host (a delegated task is probed where it runs).
  const stepsIn = (exps: Map<number, Exp>): Step[] => [...exps.entries()].flatMap(([k, e]) => (e.kind === 'steps' && play.tasks[k]!.task.delegateTo === undefined ? e.steps : []));

  const trip = async (phase: 'probing' | 'applying' | 'handlers', body: { applies: Planned[]; probeSteps: Step[]; facts?: boolean; notify?: (p: Planned) => string[]; onlyIf?: (p: Planned) => string[] }): Promise<RoundTripResult> => {
    bus.emit({ type: 'host-phase', host: play.host, phase });
    const staged = new Map<string, StagedFile>();
    for (const a of body.applies) for (const f of a.plan.files ?? []) staged.set(f.sha256, f);
    const applies: ApplyItem[] = body.applies.map((a) => ({ id: a.step.key, fragment: a.plan.apply ?? ':', notifyFlags: body.notify?.(a) ?? [], ...(body.onlyIf ? { onlyIfFlags: body.onlyIf(a) } : {}) }));
    const probes: ProbeItem[] = body.probeSteps.map((s) => ({ id: s.key, fragment: s.op.probe(s.args, { diff: opts.diff }) }));
    const r = await remote.run({ preludes: preludesOf([...body.applies.map((a) => a.step), ...body.probeSteps]), staged: [...staged.values()], applies, facts: body.facts ?? false, probes });
    if (r.lost && body.applies.length === 0) throw new ConnectError(play.host, 'closed', `Cannot finish probing host "${play.host}": ${r.lost}`);
    if (!r.done && body.applies.length === 0) {
      throw new Error(`The probe script did not complete on host "${play.host}" (exit ${r.exitCode}${r.truncated ? ', output over the capture limit' : ''}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    }
    return r;
  };

  const setRegister = (task: TaskSpec, value: Record<string, unknown>) => {
    if (task.register) registered[task.register] = nullProto(Object.entries(value));
  };

  // ---- Round trip 1: facts (+ probes when facts are cached) ----
  let exps = facts ? expandFrom(0) : new Map<number, Exp>();
  let rt = await trip('probing', { applies: [], probeSteps: stepsIn(exps), facts: true });
  const fresh = parseFacts(rt.probes.get('facts')?.stdout ?? '');
  if (!facts || JSON.stringify(facts) !== JSON.stringify(fresh)) {
    facts = fresh;
    deps.facts.save(fresh);
    exps = expandFrom(0);
    rt = await trip('probing', { applies: [], probeSteps: stepsIn(exps) });
  }
  // An input error in any task (an undefined variable, arguments invalid once rendered, a role
  // file that cannot be read) stops the host before its first change, never half-way through.
  if (!opts.check) {
    const broken = [...exps].filter(([, e]) => e.kind === 'error').sort(([a], [b]) => a - b);
    for (const [i, e] of broken) {
      const t = play.tasks[i]!.task;
      emit({ label: t.name, task: t }, 'failed', { error: `${(e as { message: string }).message}\n(nothing was changed on this host: every task is checked before the first change)` });
    }
    if (broken.length) return { recap, failed: true, interrupted: false };
  }
  let probes = rt.probes;
  let cursor = 0;
  let lostConnection = false;
  const reported = new Set<number>(); // tasks whose skip/error was already reported
  const guardLimit = 3 * n + 10;

  for (let guard = 0; cursor < n || notified.size; guard++) {
    if (guard > guardLimit) throw new Error(`Internal error: no progress converging host "${play.host}"`);
    if (opts.signal?.aborted) return { recap, failed: true, interrupted: true };
    // ---- Plan forward from the cursor ----
    const batch: Planned[] = [];
    const dirty = new Set<string>();
    let barrier = false;
    let flushAt = -1;
    let i = cursor;
    for (; i < n && !barrier; i++) {
      const exp = exps.get(i)!;
      const t = play.tasks[i]!.task;
      if (exp.kind === 'defer') break;
      if (exp.kind === 'skip') {
        if (!reported.has(i)) emit({ label: t.name, task: t }, 'skipped', { summary: [exp.reason] });
        reported.add(i);
        setRegister(t, { changed: false, skipped: true, skip_reason: exp.reason });
        continue;
      }
      if (exp.kind === 'error') {
        emit({ label: t.name, task: t }, 'failed', { error: exp.message });
        failed = true;
        break;
      }
      if (t.op === 'flush_handlers') {
        if (notified.size || batch.length) {
          flushAt = i;
          break;
        }
        continue;
      }
      if (t.delegateTo !== undefined) {
        if (batch.length) break; // apply what this host has first, in order
        if (opts.check) {
          emit({ label: t.name, task: t }, 'skipped', { summary: [`delegated to "${t.delegateTo}": not planned in check mode`] });
          continue;
        }
        if (await runDelegated(t, exp.steps)) {
          failed = true;
          break;
        }
        continue;
      }
      if (exp.steps.some((s) => !probes.has(s.key) || resourcesOverlap(s.resources, dirty))) break;
      let anyChanged = false;
      for (const s of exp.steps) {
        let plan: OpPlan;
        try {
          plan = s.op.plan(s.args, s.op.parse(probes.get(s.key)!, s.args), { host: play.host, facts: facts!, check: opts.check, diff: opts.diff });
        } catch (e) {
          emit(s, 'failed', { error: (e as Error).message });
          failed = true;
          break;
        }
        if (plan.changed) {
          batch.push({ step: s, plan });
          anyChanged = true;
          for (const r of s.resources) dirty.add(r);
          if (s.barrier) barrier = true;
        } else emit(s, 'ok', plan.warnings ? { warnings: plan.warnings } : {});
      }
      if (failed) break;
      if (!anyChanged) setRegister(t, { changed: false, rc: 0, stdout: '', stderr: '', skipped: false });
    }
    if (failed) break;

    if (opts.check) {
      for (const b of batch) {
        emit(b.step, 'changed', { summary: b.plan.summary, ...(b.plan.diff ? { diff: b.plan.diff } : {}), ...(b.plan.warnings ? { warnings: b.plan.warnings } : {}) });
        for (const h of handlersFor(play, b.step.task)) notified.add(h);
      }
      reportUnplannable(i);
      for (const h of [...notified].sort((a, b) => a - b)) {
        const hs = play.handlers[h]!.handler;
        emit({ label: hs.name, task: hs }, 'changed', { summary: ['would run (notified)'], handler: true });
      }
      notified.clear();
      break;
    }

    const atEnd = i >= n && flushAt < 0;
    if (batch.length === 0 && atEnd && notified.size === 0) break;
    if (batch.length === 0 && flushAt < 0 && !atEnd) {
      // Nothing to apply, but the next task needs a fresh probe (deferred register or stale state).
      exps = expandFrom(i);
      rt = await trip('probing', { applies: [], probeSteps: stepsIn(exps) });
      probes = rt.probes;
      cursor = i;
      continue;
    }
    // ---- Apply the batch; re-probe the rest in the same round trip ----
    const rest = atEnd ? new Map<number, Exp>() : expandFrom(i);
    let handlerProbes: ReadonlyMap<string, { stdout: string; rc: number }> | undefined;
    if (batch.length) {
      // When the play ends with this batch, probe the handlers it may notify in the same round trip.
      const candidates = atEnd || flushAt >= 0 ? [...new Set([...notified, ...batch.flatMap((b) => handlersFor(play, b.step.task))])].sort((a, b) => a - b) : [];
      const preSteps = candidates.length ? handlerSteps(candidates) ?? [] : [];
      if (failed) break;
      rt = await trip('applying', { applies: batch, probeSteps: [...stepsIn(rest), ...preSteps], notify: (p) => handlersFor(play, p.step.task).map((h) => `wpha_n${h}`) });
      handlerProbes = rt.probes;
      failed = recordApplies(batch, rt);
      if (failed && (!opts.forceHandlers || lostConnection)) break;
    }
    if (flushAt >= 0 || atEnd || failed) {
      await runHandlers(failed ? undefined : handlerProbes);
      if (failed) break;
      if (flushAt >= 0) {
        i = flushAt + 1;
        exps = expandFrom(i);
        rt = await trip('probing', { applies: [], probeSteps: stepsIn(exps) });
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
  bus.emit({ type: 'host-phase', host: play.host, phase: 'probing' });
  return { recap, failed: failed || recap.failed > 0, interrupted: false };

  // ---- helpers that need the closure ----
  function recordApplies(batch: Planned[], rt: RoundTripResult): boolean {
    const results = new Map(rt.applies.map((a) => [a.id, a]));
    for (const b of batch) {
      const r = results.get(b.step.key);
      const t = b.step.task;
      if (!r) {
        if (rt.lost) {
          // The host is gone: this step may or may not have run to its end; later ones did not run.
          lostConnection = true;
          recap.unreachable = true;
          emit(b.step, 'failed', { error: `Unknown outcome: ${rt.lost}; this step may or may not have completed, later steps did not run` });
          bus.emit({ type: 'host-unreachable', host: play.host, error: `Host "${play.host}" went away during the apply: ${rt.lost}` });
          return true;
        }
        const why = rt.truncated ? 'its output exceeded the capture limit' : rt.exitCode !== 0 ? `the script ended early (exit ${rt.exitCode}): ${rt.stderr.trim().split('\n').slice(-3).join(' ')}` : 'an earlier step failed';
        emit(b.step, 'failed', { error: `Not run: ${why}` });
        return true;
      }
      let changed = r.changed;
      let isFailed = r.rc !== 0;
      const result = { changed, rc: r.rc, stdout: r.stdout.replace(/\n$/, ''), stderr: r.stderr.replace(/\n$/, ''), failed: isFailed, skipped: false };
      const value = b.step.op.registerValue ? { ...b.step.op.registerValue({ changed, rc: r.rc, output: r.stdout }, b.step.args), ...result } : result;
      try {
        const s = withNames(b.step.scope, { result: nullProto(Object.entries(value)), ...(t.register ? { [t.register]: nullProto(Object.entries(value)) } : {}) });
        if (t.failedWhen !== undefined) isFailed = evaluateBool(t.failedWhen, s, { origin: t.location });
        if (t.changedWhen !== undefined && !isFailed) changed = evaluateBool(t.changedWhen, s, { origin: t.location });
      } catch (e) {
        emit(b.step, 'failed', { error: (e as Error).message });
        return true;
      }
      setRegister(t, { ...value, changed, failed: isFailed });
      if (isFailed) {
        const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-12).join('\n');
        emit(b.step, 'failed', { error: `${r.rc !== 0 ? `exit ${r.rc}` : 'failed_when is true'}${tail ? `: ${tail}` : ''}`, warnings: r.warnings });
        return true;
      }
      if (changed) for (const h of handlersFor(play, t)) notified.add(h);
      emit(b.step, changed ? 'changed' : 'ok', { summary: changed ? b.plan.summary : [], ...(changed && b.plan.diff ? { diff: b.plan.diff } : {}), warnings: [...(b.plan.warnings ?? []), ...r.warnings] });
    }
    return false;
  }

  /** Probe, plan and apply a delegated task's steps on another host; true when it failed. */
  async function runDelegated(t: TaskSpec, steps: Step[]): Promise<boolean> {
    let on = t.delegateTo!;
    let other: Remote;
    let probed: RoundTripResult;
    try {
      if (on.includes('{{')) on = deps.renderer.renderString(on, steps[0]!.scope, { origin: t.location, path: ['delegate_to'] });
      if (!deps.delegate) throw new Error(`delegate_to "${on}" needs a connection provider`);
      other = await deps.delegate(on);
      probed = await other.run({ preludes: preludesOf(steps), staged: [], applies: [], facts: false, probes: steps.map((s) => ({ id: s.key, fragment: s.op.probe(s.args, { diff: opts.diff }) })) });
    } catch (e) {
      emit({ label: `${t.name} (on ${on})`, task: t }, 'failed', { error: (e as Error).message });
      return true;
    }
    const planned: Planned[] = [];
    for (const s of steps) {
      try {
        const out = probed.probes.get(s.key);
        if (!out) throw new Error(`no probe result from "${on}" (exit ${probed.exitCode})`);
        const plan = s.op.plan(s.args, s.op.parse(out, s.args), { host: on, facts: facts!, check: false, diff: opts.diff });
        if (plan.changed) planned.push({ step: { ...s, label: `${s.label} (on ${on})` }, plan });
        else emit({ ...s, label: `${s.label} (on ${on})` }, 'ok');
      } catch (e) {
        emit(s, 'failed', { error: (e as Error).message });
        return true;
      }
    }
    if (!planned.length) {
      setRegister(steps[0]!.task, { changed: false, rc: 0, stdout: '', stderr: '', skipped: false });
      return false;
    }
    const staged = new Map<string, StagedFile>();
    for (const p of planned) for (const f of p.plan.files ?? []) staged.set(f.sha256, f);
    try {
      const rt = await other.run({ preludes: preludesOf(planned.map((p) => p.step)), staged: [...staged.values()], applies: planned.map((p) => ({ id: p.step.key, fragment: p.plan.apply ?? ':', notifyFlags: [] })), facts: false, probes: [] });
      return recordApplies(planned, rt);
    } catch (e) {
      emit(planned[0]!.step, 'failed', { error: (e as Error).message });
      return true;
    }
  }

  /** Steps of the given handlers (in definition order), or undefined after reporting a failure. */
  function handlerSteps(order: number[]): Step[] | undefined {
    const scope = scopeNow();
    const steps: Step[] = [];
    for (const h of order) {
      const { handler, role } = play.handlers[h]!;
      const exp = expandTask(n + h, handler, scope, { host: play.host, facts: facts!, role, renderer: deps.renderer, ops: deps.ops });
      if (exp.kind === 'error') {
        emit({ label: handler.name, task: handler }, 'failed', { error: exp.message, handler: true });
        failed = true;
        return undefined;
      }
      if (exp.kind === 'steps') steps.push(...exp.steps.map((s) => ({ ...s, key: `h${h}${s.key.slice(`t${n + h}`.length)}` })));
    }
    return steps;
  }

  /** Run notified handlers: probe (unless `pre` already holds fresh probes of them), plan, apply. */
  async function runHandlers(pre?: ReadonlyMap<string, { stdout: string; rc: number }>): Promise<void> {
    if (notified.size === 0) return;
    const order = [...notified].sort((a, b) => a - b);
    notified.clear();
    const steps = handlerSteps(order);
    if (!steps) return;
    const probed = pre && steps.every((s) => pre.has(s.key)) ? pre : (await trip('handlers', { applies: [], probeSteps: steps })).probes;
    const planned: Planned[] = [];
    for (const s of steps) {
      const out = probed.get(s.key);
      try {
        if (!out) throw new Error('no probe result');
        const plan = s.op.plan(s.args, s.op.parse(out, s.args), { host: play.host, facts: facts!, check: false, diff: opts.diff });
        if (plan.changed) planned.push({ step: s, plan });
        else emit(s, 'ok', { handler: true });
      } catch (e) {
        emit(s, 'failed', { error: (e as Error).message, handler: true });
        failed = true;
      }
    }
    if (!planned.length) return;
    const applyRt = await trip('handlers', { applies: planned, probeSteps: [] });
    const results = new Map(applyRt.applies.map((a) => [a.id, a]));
    for (const p of planned) {
      const r = results.get(p.step.key);
      if (!r || r.rc !== 0) {
        emit(p.step, 'failed', { error: r ? `exit ${r.rc}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-12).join('\n')}` : 'Not run: an earlier handler failed', handler: true });
        failed = true;
        return;
      }
      emit(p.step, r.changed ? 'changed' : 'ok', { summary: p.plan.summary, handler: true, warnings: r.warnings });
    }
  }

  function reportUnplannable(from: number): void {
    // In check mode, tasks after a barrier are planned on the current state, which an earlier change may alter.
    for (let k = from; k < n; k++) {
      const exp = exps.get(k)!;
      const t = play.tasks[k]!.task;
      if (exp.kind === 'defer') emit({ label: t.name, task: t }, 'skipped', { summary: [`needs the result of an earlier task (${exp.names.join(', ')})`] });
      else if (exp.kind === 'skip') emit({ label: t.name, task: t }, 'skipped', { summary: [exp.reason] });
      else if (exp.kind === 'error') emit({ label: t.name, task: t }, 'failed', { error: exp.message });
      else
        for (const s of exp.steps) {
          const out = probes.get(s.key);
          if (!out) continue;
          try {
            const plan = s.op.plan(s.args, s.op.parse(out, s.args), { host: play.host, facts: facts!, check: true, diff: opts.diff });
            if (plan.changed) {
              emit(s, 'changed', { summary: plan.summary, ...(plan.diff ? { diff: plan.diff } : {}), warnings: ['planned on the current state; an earlier change in this run may alter it'] });
              for (const h of handlersFor(play, t)) notified.add(h);
            } else emit(s, 'ok');
          } catch (e) {
            emit(s, 'skipped', { summary: [`cannot plan before earlier changes are applied: ${(e as Error).message}`] });
          }
        }
    }
  }
}

/** Indexes of the handlers a task notifies (by name or `listen`), within the host's roles. */
export function handlersFor(play: HostPlay, task: TaskSpec): number[] {
  if (!task.notify.length) return [];
  const out: number[] = [];
  play.handlers.forEach(({ handler }, idx) => {
    if (task.notify.includes(handler.name) || handler.listen.some((l) => task.notify.includes(l))) out.push(idx);
  });
  return out;
}
