/**
 * A host's play and what the converge loop's parts (converge, host-run, handlers, check-mode,
 * delegated) share about it: its tasks and handlers, the options and dependencies of a run,
 * a task's expansion, a planned step, and which handlers a task notifies. They all import this
 * module; it imports none of them.
 */
import type { HandlerSpec, RoleSpec, TaskSpec } from '../model.js';
import type { Facts } from '../ops/facts.js';
import type { ContentCache, OpModule, OpPlan } from '../ops/types.js';
import type { Renderer } from '../template/index.js';
import type { EventBus } from './events.js';
import type { Remote } from './remote.js';
import type { Vars } from './scope.js';
import type { CachedFacts } from './facts-cache.js';
import type { Expansion, Step } from './steps.js';
import { answersTo } from '../roles/load-deps.js';

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
  facts: { load(): CachedFacts | undefined; save(c: CachedFacts): void };
  /** File texts kept between runs for this host (probes then send only a sha256). */
  content?: ContentCache;
  /** The connection to another inventory host, for tasks with `delegate_to` (opened once per run). */
  delegate?: (host: string) => Promise<Remote>;
}

export type Exp = Expansion | { kind: 'defer'; names: string[] };

export interface Planned {
  step: Step;
  plan: OpPlan;
  /** Later steps whose work this step's change does too (one apt transaction: join-steps.ts). */
  joined?: Planned[];
}

export interface EmitExtra {
  summary?: string[];
  diff?: string;
  warnings?: string[];
  error?: string;
  handler?: boolean;
  ms?: number;
  /** Not the task's own failure (an input error, a lost host, a script that broke): ignore_errors does not cover it. */
  fatal?: boolean;
}

/** Indexes of the handlers a task notifies (by name or `listen`), within the host's roles. */
export function handlersFor(play: HostPlay, task: TaskSpec): number[] {
  if (!task.notify.length) return [];
  const out: number[] = [];
  play.handlers.forEach(({ handler }, idx) => {
    if (task.notify.some((n) => answersTo(handler, n))) out.push(idx);
  });
  return out;
}

/** The handlers a planned change notifies: its task's, and those of the steps joined to it. */
export function notifiedBy(play: HostPlay, p: Planned): number[] {
  return [...new Set([p.step.task, ...(p.joined ?? []).map((j) => j.step.task)].flatMap((t) => handlersFor(play, t)))];
}

/** A handler's stable name on the host (the pending-handlers file): `<role>/<name>`. */
export function handlerId(play: HostPlay, index: number): string {
  const { handler, role } = play.handlers[index]!;
  return `${role.name}/${handler.name}`;
}

/** Handlers recorded as pending on the host (the first probe reads the file): their indexes. */
export function parsePendingHandlers(play: HostPlay, stdout: string): number[] {
  const ids = new Set(
    stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  return play.handlers.map((_, i) => i).filter((i) => ids.has(handlerId(play, i)));
}
