/**
 * Which later steps may join a barrier step's change (package installs: one apt transaction
 * instead of one per task). Pure.
 *
 * Joining moves a later install up to the earlier one, so it happens before the tasks between
 * them. That is safe only when none of those tasks could change what the install does. The rule:
 *  - the later task is of the same op, has no `register`, `changed_when`, `failed_when`,
 *    `delegate_to` or `run_once`, and its `when` was decided before the run reached it (a `when`
 *    on a result registered in between defers the task: that stops the walk);
 *  - every task in between is skipped, or is one of the ops that only write files or start
 *    services (file, copy, template, lineinfile, blockinfile, service, sysctl, cron,
 *    authorized_key, wait_for) and none of its paths is where apt, dpkg, debconf or systemd read
 *    their settings (a repository or key added, apt options, a debconf preseed, policy-rc.d,
 *    unit drop-ins, /etc/default) — commands, shells, downloads, users and groups (package
 *    scripts create system users: their ids would come out in another order), other apt
 *    tasks (a removal, other options) and flush_handlers stop the walk.
 * The walk stops at the first task that breaks the rule: steps after it stay where they are.
 */
import type { TaskSpec } from '../model.js';
import type { Step } from './steps.js';

/** Ops that write files or drive services and nothing else. */
const PLAIN_OPS = new Set(['file', 'copy', 'template', 'lineinfile', 'blockinfile', 'service', 'sysctl', 'cron', 'authorized_key', 'wait_for']);

/** Where apt, dpkg, debconf and systemd read what an install does. */
export const INSTALL_SETTINGS = [
  '/etc/apt',
  '/etc/dpkg',
  '/var/lib/dpkg',
  '/var/cache/debconf',
  '/usr/sbin/policy-rc.d',
  '/etc/systemd',
  '/lib/systemd',
  '/usr/lib/systemd',
  '/run/systemd',
  '/etc/default',
  '/etc/init.d',
];

const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

/**
 * Ops whose resources name what they read, not what they write: a service step lists its unit
 * file and drop-in folder so that it is probed again after a task writes them, but starting or
 * enabling a unit writes only its .wants link, which no install reads.
 */
const READS_ONLY = new Set(['service', 'wait_for']);

export type LaterTask = { index: number; task: TaskSpec } & ({ kind: 'steps'; steps: Step[] } | { kind: 'skip' } | { kind: 'defer' } | { kind: 'error' });

/** Why a task between the two must stay before the later install, or undefined when it need not. */
export function holdsBack(t: LaterTask): string | undefined {
  if (t.kind === 'skip') return undefined;
  if (t.kind !== 'steps') return `task "${t.task.name}" is decided later in the run`;
  if (t.task.delegateTo !== undefined) return `task "${t.task.name}" runs on another host`;
  if (!PLAIN_OPS.has(t.task.op)) return `task "${t.task.name}" (${t.task.op}) may change what an install does`;
  if (READS_ONLY.has(t.task.op)) return undefined;
  const path = t.steps.flatMap((s) => s.resources).find((r) => r.startsWith('/') && INSTALL_SETTINGS.some((d) => under(r, d)));
  return path ? `task "${t.task.name}" writes ${path}, which installs read` : undefined;
}

/** Whether a later task of the barrier's op may move up to it (its own settings allow it). */
export function mayMoveUp(t: LaterTask, op: string): boolean {
  const x = t.task;
  return t.kind === 'steps' && x.op === op && x.register === undefined && x.changedWhen === undefined && x.failedWhen === undefined && x.delegateTo === undefined && !x.runOnce;
}

/**
 * The later tasks whose steps may join a change of op `op`, walking `later` in order until a task
 * holds the rest back (`stoppedBy` says which, for the docs and tests).
 */
export function joinableTasks(op: string, later: LaterTask[]): { tasks: Extract<LaterTask, { kind: 'steps' }>[]; stoppedBy?: string } {
  const tasks: Extract<LaterTask, { kind: 'steps' }>[] = [];
  for (const t of later) {
    if (t.task.op === 'flush_handlers') return { tasks, stoppedBy: 'flush_handlers' };
    if (t.task.op === op) {
      if (!mayMoveUp(t, op)) return { tasks, stoppedBy: `task "${t.task.name}" cannot move (register, changed_when, failed_when, delegate_to or run_once, or decided later)` };
      tasks.push(t as Extract<LaterTask, { kind: 'steps' }>);
      continue;
    }
    const why = holdsBack(t);
    if (why) return { tasks, stoppedBy: why };
  }
  return { tasks };
}
