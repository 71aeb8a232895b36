/**
 * What a run reports, as events. Every reporter (live list, plain lines, --json, --junit, the run
 * log) consumes the same events after they pass through the run's Redactor, in one place.
 */
import type { Redactor } from '../secrets/redactor.js';

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped';

export interface Recap {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  /** Failed tasks a block's `rescue` took over (not counted in failed; absent: none). */
  rescued?: number;
  /** Failed tasks with `ignore_errors: true` (not counted in failed; absent: none). */
  ignored?: number;
  unreachable: boolean;
  /** Milliseconds the host spent in apt-get/dpkg (package lists, installs) during the run. */
  aptMs?: number;
  /** Milliseconds the host spent starting, restarting or reloading services. */
  serviceMs?: number;
  /** The host's whole time in the run (connect to done), ms. */
  ms?: number;
}

export type RunEvent =
  | {
      type: 'run-start';
      inventory: string;
      hosts: string[] /** Selected hosts that get no role (not contacted). */;
      withoutRoles: string[];
      check: boolean;
      at: string /** `--shard i/n` of this run. */;
      shard?: string /** Set by `wpha report merge`: the shards (or files) merged. */;
      shards?: string[];
    }
  | { type: 'host-phase'; host: string; phase: 'connecting' | 'probing' | 'applying' | 'handlers' }
  | {
      type: 'task';
      host: string;
      role: string;
      task: string;
      status: TaskStatus;
      /** `--check`: the change was only planned. */
      planned: boolean;
      summary: string[];
      diff?: string;
      warnings: string[];
      error?: string;
      /** The failure is rescued: the task's block runs its `rescue` and the host goes on. */
      rescued?: boolean;
      /** The failure is ignored (`ignore_errors: true`): the host goes on with the next task. */
      ignored?: boolean;
      handler: boolean;
      ms: number;
    }
  | { type: 'host-unreachable'; host: string; error: string }
  | { type: 'host-failed'; host: string; error: string }
  | { type: 'host-done'; host: string; recap: Recap; roundTrips: number; ms: number }
  /** A rolling run (src/rollout) starts batch `batch` of `batches`; only emitted when there are several. */
  | { type: 'batch-start'; batch: number; batches: number; hosts: string[] /** Set by `wpha report merge`. */; shard?: string }
  /** Batch `batch` broke its failure budget: the hosts of later batches are not contacted. */
  | { type: 'rollout-stopped'; batch: number; batches: number; reason: string; notRun: string[] /** Set by `wpha report merge`. */; shard?: string }
  | {
      type: 'run-done';
      recaps: Record<string, Recap>;
      ms: number;
      failed: boolean;
      changed: boolean;
      interrupted: boolean /** Hosts never contacted (rollout stopped or interrupted before their batch). */;
      notRun?: string[];
    };

export type Listener = (e: RunEvent) => void;

/** A task's failure that fails its host: not one a block's rescue took over or ignore_errors let by. */
export function failedForGood(t: Pick<Extract<RunEvent, { type: 'task' }>, 'status' | 'rescued' | 'ignored'>): boolean {
  return t.status === 'failed' && !t.rescued && !t.ignored;
}

/** Shown instead of a diff that holds secret values. */
export const SECRET_DIFF_NOTE = '(diff hidden: the change involves secret values)\n';

export class EventBus {
  private readonly listeners: Listener[] = [];
  constructor(private readonly redactor: Redactor) {}
  on(l: Listener): void {
    this.listeners.push(l);
  }
  emit(e: RunEvent): void {
    let safe = this.redactor.redactDeep(e);
    // A diff that shows a secret also shows the value it replaces, which is no longer a known
    // secret of this run (e.g. the old password): such a diff is hidden whole.
    if (safe.type === 'task' && e.type === 'task' && safe.diff !== e.diff) safe = { ...safe, diff: SECRET_DIFF_NOTE };
    for (const l of this.listeners) l(safe);
  }
}

export function emptyRecap(): Recap {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: false };
}
