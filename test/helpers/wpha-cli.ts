/** Runs the built CLI (bin/wpha -> dist/) as a child process, as an operator would. */
import { execa } from 'execa';
import path from 'node:path';
import type { RunEvent } from '../../src/engine/events.js';

const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/wpha');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runWpha(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  // The executable itself, as an operator runs it: with its shebang's V8 flags, whose code cache
  // (dist/bundle/wpha.cjs.cache) then stays valid from run to run.
  const r = await execa(bin, args, { reject: false, env: { CI: '1', ...opts.env }, input: opts.input ?? '', timeout: opts.timeoutMs ?? 600_000, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** `wpha apply|plan ... --json`: the events, parsed. */
export function jsonEvents(stdout: string): RunEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RunEvent);
}

export function tasksOf(events: RunEvent[], host?: string) {
  return events.filter((e): e is Extract<RunEvent, { type: 'task' }> => e.type === 'task' && (!host || e.host === host));
}

export function hostDone(events: RunEvent[], host: string) {
  return events.find((e): e is Extract<RunEvent, { type: 'host-done' }> => e.type === 'host-done' && e.host === host);
}

/** "host task: error" of every failed task of a `--json` run (an expected [] then names what failed). */
export function failedOf(stdout: string): string[] {
  return tasksOf(jsonEvents(stdout))
    .filter((t) => t.status === 'failed')
    .map((t) => `${t.host} ${t.task}: ${t.error}`);
}

/** "host task" of every changed task of a `--json` run. */
export function changedOf(stdout: string): string[] {
  return tasksOf(jsonEvents(stdout))
    .filter((t) => t.status === 'changed')
    .map((t) => `${t.host} ${t.task}`);
}
