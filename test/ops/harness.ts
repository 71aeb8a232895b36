/**
 * Shared by the op integration tests: run `wpha plan|apply --json` against one lab host and read
 * the result as task label -> status, plus the host's recap and round trips; take a snapshot of
 * host state over plain ssh (independent of the engine) to prove that a plan changed nothing.
 *
 * Every op test file follows the same four steps on a fresh host:
 *   1. plan: every task is shown as a change, and the host snapshot is identical before/after;
 *   2. apply: every task reports changed, and ssh shows the wanted state;
 *   3. apply again: nothing changed, one round trip;
 *   4. drift made by hand: plan shows exactly the drifted tasks, apply fixes them.
 */
import { expect } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import type { LabHosts } from '../helpers/lab-hosts.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

export const ROLES = 'test/ops/fixtures/roles';

type TaskEvent = Extract<RunEvent, { type: 'task' }>;

export interface OpsRun {
  code: number;
  stdout: string;
  stderr: string;
  events: RunEvent[];
  /** Task events of the host, by label (loop items and handlers included). */
  tasks: Map<string, TaskEvent>;
  roundTrips: number | undefined;
  recap: { ok: number; changed: number; failed: number; skipped: number } | undefined;
  ms: number;
}

/** `wpha plan|apply -i INV -l HOST --json [...extra]` (`check`: `apply --check`), parsed. */
export async function wpha(mode: 'plan' | 'apply' | 'check', inv: string, host: string, extra: string[] = []): Promise<OpsRun> {
  const t0 = Date.now();
  const command = mode === 'check' ? ['apply', '--check'] : [mode];
  const r = await runWpha([...command, '-i', inv, '-l', host, '--json', ...extra]);
  const events = jsonEvents(r.stdout);
  const tasks = new Map<string, TaskEvent>();
  for (const t of tasksOf(events, host)) {
    if (tasks.has(t.task)) throw new Error(`Task label "${t.task}" is reported twice; give tasks unique names`);
    tasks.set(t.task, t);
  }
  const done = hostDone(events, host);
  const run = { ...r, events, tasks, roundTrips: done?.roundTrips, recap: done?.recap, ms: Date.now() - t0 };
  // WPHA_TEST_TIMINGS=1: where the time of each run goes (to keep the files under their budget).
  if (process.env.WPHA_TEST_TIMINGS) {
    const slow = [...tasks.values()].filter((t) => t.ms >= 500).map((t) => `${t.task} ${t.status} ${t.ms} ms`);
    process.stderr.write(`[timing] ${mode} ${host}: ${run.ms} ms, ${run.roundTrips} round trips${slow.length ? `; ${slow.join('; ')}` : ''}\n`);
  }
  return run;
}

/** label -> status, in report order. */
export function statuses(run: OpsRun): Record<string, string> {
  return Object.fromEntries([...run.tasks].map(([k, v]) => [k, v.status]));
}

/** Labels with the given status. */
export function labelsWith(run: OpsRun, status: string): string[] {
  return [...run.tasks].filter(([, v]) => v.status === status).map(([k]) => k);
}

/** What a failed run says, for assertion messages. */
export function explain(run: OpsRun): string {
  const failed = [...run.tasks.values()].filter((t) => t.status === 'failed').map((t) => `${t.task}: ${t.error}`);
  const other = run.events.filter((e) => e.type === 'host-failed' || e.type === 'host-unreachable').map((e) => JSON.stringify(e));
  return [...failed, ...other, run.stderr.trim()].filter(Boolean).join('\n') || run.stdout.slice(-2000);
}

/** A successful run (exit 0, nothing failed). */
export function expectSuccess(run: OpsRun): void {
  expect(run.code, explain(run)).toBe(0);
  expect(labelsWith(run, 'failed'), explain(run)).toEqual([]);
}

/**
 * `wpha plan` (diffs on) and `wpha apply --check` (diffs off: other probes for file contents)
 * must both succeed and agree task by task. Returns the plan run.
 */
export async function planBothWays(inv: string, host: string, extra: string[] = []): Promise<OpsRun> {
  const plan = await wpha('plan', inv, host, extra);
  expectSuccess(plan);
  const check = await wpha('check', inv, host, extra);
  expectSuccess(check);
  expect(statuses(check)).toEqual(statuses(plan));
  expect([...check.tasks.values()].filter((t) => t.status === 'changed').every((t) => t.planned && t.diff === undefined)).toBe(true);
  return plan;
}

/** The converged re-run: exit 0, no task changed, exactly one round trip. */
export function expectConverged(run: OpsRun): void {
  expectSuccess(run);
  expect(labelsWith(run, 'changed'), explain(run)).toEqual([]);
  expect(run.recap?.changed).toBe(0);
  expect(run.roundTrips).toBe(1);
}

/**
 * Runs `command` on the host over ssh and returns its stdout; fails the test on a non-zero exit.
 * Used for snapshots and for checking real state.
 */
export async function onHost(lab: LabHosts, host: string, command: string): Promise<string> {
  const r = await lab.ssh(host, command);
  expect(r.code, `ssh ${host}: ${command}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/**
 * A shell snippet printing the state of paths (type, mode, owner, group, sha256 or link target),
 * one line each; missing paths print "absent". Directories are listed recursively.
 */
export function pathsSnapshot(paths: string[]): string {
  const quoted = paths.map((p) => `'${p.replaceAll("'", `'\\''`)}'`).join(' ');
  return [
    `for p in ${quoted}; do`,
    '  if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo "$p absent"; continue; fi',
    '  find "$p" -printf "%p %y %m %u %g %l\\n" | sort',
    '  find "$p" -type f -exec sha256sum {} + | sort',
    'done',
  ].join('\n');
}
