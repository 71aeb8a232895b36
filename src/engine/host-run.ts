/**
 * The state of one host's convergence (recap, registered results, notified handlers, facts) and
 * the operations every phase shares: expanding tasks, one round trip, recording applied results.
 */
import type { TaskSpec } from '../model.js';
import type { ContentCache, OpPlan, StagedFile } from '../ops/types.js';
import { FILE_PRELUDE, prefetchFragment, unitPrefetchFragment } from '../ops/lib/index.js';
import type { Recap, TaskStatus } from './events.js';
import { emptyRecap } from './events.js';
import { ConnectError } from '../errors.js';
import type { Facts } from '../ops/facts.js';
import type { BootFacts } from './facts-probe.js';
import type { RoundTripResult } from './remote.js';
import type { ApplyItem, ApplyResult, ProbeItem, RoundTripScript } from './script.js';
import { expandTask, pendingRegisters, skippedBeforeRegisters, type Step } from './steps.js';
import { nullProto, withNames, type Vars } from './scope.js';
import { BlockFlow } from './blocks.js';
import { attemptDone, stepOutcome, type StepOutcome } from './step-result.js';
import { handlerId, handlersFor, type ConvergeDeps, type ConvergeOptions, type EmitExtra, type Exp, type HostPlay, type Planned } from './host-play.js';

export class HostRun {
  readonly recap: Recap = emptyRecap();
  readonly registered: Vars = nullProto();
  readonly notified = new Set<number>();
  facts: Facts | undefined;
  /** Arch and virtualization remembered with the boot id they are valid for (facts-probe.ts). */
  boot: BootFacts | undefined;
  /** Tasks whose skip was reported (a task is re-planned after each batch; its skip is told once). */
  readonly skipReported = new Set<number>();
  /** Handlers an earlier run notified but did not run (read from the host in the first round trip). */
  pendingFromEarlier = new Set<number>();
  failed = false;
  lostConnection = false;
  /** Tasks whose steps joined an earlier step's change (reported with it, not planned again). */
  readonly joinedTasks = new Set<number>();
  /** block / rescue / always: where the play goes on after a failure. */
  readonly flow: BlockFlow;
  /** The play task that failed last (set by emit), for the block it sits in. */
  failedTask: number | undefined;
  /** The last failure reported was a task's own, with ignore_errors: the play goes on after it. */
  failureIgnored = false;

  constructor(
    readonly play: HostPlay,
    readonly opts: ConvergeOptions,
    readonly deps: ConvergeDeps,
  ) {
    const cached = deps.facts.load();
    this.facts = cached?.facts;
    this.boot = cached?.boot;
    this.flow = new BlockFlow(play.tasks.map((p) => p.task));
  }

  get n(): number {
    return this.play.tasks.length;
  }

  emit(step: { label: string; task: TaskSpec }, status: TaskStatus, extra: EmitExtra = {}): void {
    const index = status === 'failed' && !extra.handler ? this.play.tasks.findIndex((p) => p.task === step.task) : -1;
    const ignored = index >= 0 && !this.lostConnection && !extra.fatal && step.task.ignoreErrors === true;
    const rescued = index >= 0 && !ignored && !this.lostConnection && this.flow.rescuable(index);
    if (index >= 0) {
      this.failedTask = index;
      this.failureIgnored = ignored;
    }
    if (ignored) this.recap.ignored = (this.recap.ignored ?? 0) + 1;
    else if (rescued) this.recap.rescued = (this.recap.rescued ?? 0) + 1;
    else this.recap[status === 'changed' ? 'changed' : status]++;
    this.deps.bus.emit({
      type: 'task',
      host: this.play.host,
      role: step.task.role,
      task: step.label,
      status,
      planned: this.opts.check && status === 'changed',
      summary: extra.summary ?? [],
      ...(extra.diff ? { diff: extra.diff } : {}),
      warnings: extra.warnings ?? [],
      ...(extra.error ? { error: extra.error } : {}),
      ...(rescued ? { rescued: true } : {}),
      ...(ignored ? { ignored: true } : {}),
      handler: extra.handler ?? false,
      ms: extra.ms ?? 0,
    });
  }

  scopeNow(): Vars {
    return withNames(this.play.baseScope(this.facts), this.registered);
  }

  /** Expand the tasks from `start` on; a task reading a register not yet known is deferred. */
  expandFrom(start: number): Map<number, Exp> {
    const out = new Map<number, Exp>();
    const scope = this.scopeNow();
    const pending = new Set<string>();
    for (let i = 0; i < this.n; i++) {
      const { task: t, role } = this.play.tasks[i]!;
      if (i >= start) {
        const other = this.play.runOnceElsewhere.get(i);
        if (t.op === 'flush_handlers') out.set(i, { kind: 'steps', steps: [] });
        else if (other) out.set(i, { kind: 'skip', reason: `run once, on host "${other}"` });
        else {
          const names = pendingRegisters(t, pending);
          const exp: Exp =
            names.length && !skippedBeforeRegisters(t, scope, pending)
              ? { kind: 'defer', names }
              : expandTask(i, t, scope, { host: this.play.host, facts: this.facts!, role, renderer: this.deps.renderer, ops: this.deps.ops });
          out.set(i, this.flow.inactive(i) ? quietSkip(exp) : exp);
        }
      }
      if (t.register && !(t.register in this.registered)) pending.add(t.register);
    }
    return out;
  }

  /** Steps probed on this host (a delegated task is probed where it runs). */
  stepsIn(exps: Map<number, Exp>): Step[] {
    return [...exps.entries()].flatMap(([k, e]) => (e.kind === 'steps' && this.play.tasks[k]!.task.delegateTo === undefined ? e.steps : []));
  }

  planStep(s: Step, probe: { stdout: string; rc: number }, host = this.play.host, check = this.opts.check): OpPlan {
    const content = host === this.play.host ? this.deps.content : undefined;
    return s.op.plan(s.args, s.op.parse(probe, s.args), { host, facts: this.facts!, check, diff: this.opts.diff, ...(content ? { content } : {}) });
  }

  /** One round trip on this host: apply `applies` (in order, stopping at a failure), then probe. */
  async trip(
    phase: 'probing' | 'applying' | 'handlers',
    body: { applies: Planned[]; probeSteps: Step[]; facts?: boolean; notify?: (p: Planned) => number[]; extraApplies?: ApplyItem[]; extraProbes?: ProbeItem[] },
  ): Promise<RoundTripResult> {
    const host = this.play.host;
    this.deps.bus.emit({ type: 'host-phase', host, phase });
    const notify = body.notify;
    const script = roundTripBody(body.applies, body.probeSteps, this.opts.diff, body.facts ?? false, notify ? (p) => notify(p).map((h) => handlerId(this.play, h)) : undefined, this.deps.content);
    if (body.facts && this.boot) script.knownBoot = this.boot;
    script.applies.push(...(body.extraApplies ?? []));
    script.probes.push(...(body.extraProbes ?? []));
    const r = await this.deps.remote.run(script);
    if (r.lost && body.applies.length === 0) throw new ConnectError(host, 'closed', `Cannot finish probing host "${host}": ${r.lost}`);
    if (!r.done && body.applies.length === 0) {
      throw new Error(
        `The probe script did not complete on host "${host}" (exit ${r.exitCode}${r.truncated ? ', output over the capture limit' : ''}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`,
      );
    }
    return r;
  }

  setRegister(task: TaskSpec, value: Record<string, unknown>): void {
    if (task.register) this.registered[task.register] = nullProto(Object.entries(value));
  }

  /** The host's own time in a step (apt/dpkg, services starting): the recap tells it from wpha's. */
  noteTimings(t: ApplyResult['timings']): void {
    if (t.apt) this.recap.aptMs = (this.recap.aptMs ?? 0) + t.apt;
    if (t.service) this.recap.serviceMs = (this.recap.serviceMs ?? 0) + t.service;
  }

  /**
   * Report what a round trip applied; registers, changed_when/failed_when, until (with the attempts
   * a retried step took), notifications. True when a step failed. `handlers`: the steps are
   * handlers (reported as such; what they notify runs in the same flush: handlers.ts).
   */
  recordApplies(batch: Planned[], rt: RoundTripResult, attempts?: ReadonlyMap<string, number>, handlers = false): boolean {
    const emit = (step: { label: string; task: TaskSpec }, status: TaskStatus, extra: EmitExtra = {}) => this.emit(step, status, handlers ? { ...extra, handler: true } : extra);
    const results = new Map(rt.applies.map((a) => [a.id, a]));
    for (const b of batch) {
      const r = results.get(b.step.key);
      const t = b.step.task;
      if (!r) {
        if (rt.lost) {
          // The host is gone: this step may or may not have run to its end; later ones did not run.
          this.lostConnection = true;
          this.recap.unreachable = true;
          emit(b.step, 'failed', { error: `Unknown outcome: ${rt.lost}; this step may or may not have completed, later steps did not run`, fatal: true });
          this.deps.bus.emit({ type: 'host-unreachable', host: this.play.host, error: `Host "${this.play.host}" went away during the apply: ${rt.lost}` });
          return true;
        }
        const why = rt.truncated
          ? 'its output exceeded the capture limit'
          : rt.exitCode !== 0
            ? `the script ended early (exit ${rt.exitCode}): ${rt.stderr.trim().split('\n').slice(-3).join(' ')}`
            : 'an earlier step failed';
        emit(b.step, 'failed', { error: `Not run: ${why}`, fatal: true });
        return true;
      }
      this.noteTimings(r.timings);
      let out: StepOutcome;
      let done = true;
      try {
        out = stepOutcome(b.step, r);
        if (t.retries !== undefined) done = attemptDone(b.step, out);
      } catch (e) {
        emit(b.step, 'failed', { error: (e as Error).message, fatal: true });
        return true;
      }
      const tries = attempts?.get(b.step.key);
      this.setRegister(t, tries === undefined ? out.value : { ...out.value, attempts: tries });
      const { changed } = out;
      if (out.failed || !done) {
        const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-12).join('\n');
        const why = !done && !out.failed ? `until "${t.until}" still false` : r.rc !== 0 ? `exit ${r.rc}` : 'failed_when is true';
        const after = tries === undefined ? '' : ` after ${tries} attempt${tries === 1 ? '' : 's'}`;
        emit(b.step, 'failed', { error: `${why}${after}${tail ? `: ${tail}` : ''}`, warnings: r.warnings });
        return true;
      }
      if (changed) for (const h of handlersFor(this.play, t)) this.notified.add(h);
      const retried = tries !== undefined && tries > 1 ? [`done at attempt ${tries}`] : [];
      emit(b.step, changed ? 'changed' : 'ok', {
        summary: changed ? [...b.plan.summary, ...retried] : retried,
        ...(changed && b.plan.diff ? { diff: b.plan.diff } : {}),
        warnings: [...(b.plan.warnings ?? []), ...r.warnings],
      });
      for (const j of b.joined ?? []) {
        // Done by the step it joined (one transaction): reported as its own task, with what it needed.
        if (changed) for (const h of handlersFor(this.play, j.step.task)) this.notified.add(h);
        emit(j.step, changed ? 'changed' : 'ok', { summary: changed ? [...j.plan.summary, `in one transaction with task "${b.step.label}"`] : [] });
      }
    }
    return false;
  }
}

/** A rescue task that does not run: its input errors still count (checked before the first change), nothing else is reported. */
function quietSkip(e: Exp): Exp {
  return e.kind === 'error' ? e : { kind: 'skip', reason: 'rescue: the block did not fail', quiet: true };
}

export function preludesOf(steps: Step[]): string[] {
  return [...new Set(steps.map((s) => s.op.prelude).filter((p): p is string => Boolean(p)))];
}

/** The script body of a round trip: planned applies (with their staged files) then probes. */
export function roundTripBody(
  applies: Planned[],
  probeSteps: Step[],
  diff: boolean,
  facts: boolean,
  pendingHandlers?: (p: Planned) => string[],
  content?: ContentCache,
): Omit<RoundTripScript, 'nonce'> {
  const staged = new Map<string, StagedFile>();
  for (const a of applies) for (const f of a.plan.files ?? []) staged.set(f.sha256, f);
  const items: ApplyItem[] = applies.map((a) => ({ id: a.step.key, fragment: a.plan.apply ?? ':', notifyFlags: [], pendingHandlers: pendingHandlers?.(a) ?? [] }));
  const probes: ProbeItem[] = probeSteps.map((s) => ({ id: s.key, fragment: s.op.probe(s.args, { diff, ...(content ? { content } : {}) }) }));
  // Every absolute path the file ops of this probe ask about: one stat and one sha256sum for all.
  const filePaths = probeSteps.filter((s) => s.op.prelude === FILE_PRELUDE).flatMap((s) => s.resources.filter((r) => r.startsWith('/')));
  // Every systemd unit they ask about: one systemctl show for all.
  const units = probeSteps.flatMap((s) => s.resources.filter((r) => r.startsWith('unit:')).map((r) => r.slice('unit:'.length)));
  const prefetch = [prefetchFragment(filePaths), unitPrefetchFragment(units)].filter(Boolean).join('\n');
  return { preludes: preludesOf([...applies.map((a) => a.step), ...probeSteps]), staged: [...staged.values()], applies: items, facts, probes, prefetch };
}
