/**
 * The audit trail: every apply and plan appends one JSON line (who, when, inventory, hosts,
 * what changed, the result) to a local run log. It is built from the run's events, which the
 * event bus has already redacted, so no secret can reach it.
 */
import { appendFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import path from 'node:path';
import { failedForGood, type Listener, type Recap, type RunEvent } from '../engine/events.js';

export interface RunRecord {
  id: string;
  who: string;
  started: string;
  ms: number;
  command: string;
  inventory: string;
  check: boolean;
  limit?: string;
  hosts: Record<string, Recap>;
  changes: { host: string; role: string; task: string; summary: string[] }[];
  failures: { host: string; task?: string; error: string }[];
  result: 'ok' | 'failed' | 'interrupted';
  /** A rolling run that stopped: why, and the hosts it never contacted. */
  stopped?: { reason: string; notRun: string[] };
}

export function runLogFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state'), 'wpha', 'runs.jsonl');
}

export function runLogger(file: string, meta: { id: string; command: string; limit?: string }): Listener {
  let rec: RunRecord | undefined;
  return (e: RunEvent) => {
    if (e.type === 'run-start') {
      rec = {
        id: meta.id,
        who: `${userInfo().username}@${hostname()}`,
        started: e.at,
        ms: 0,
        command: meta.command,
        inventory: e.inventory,
        check: e.check,
        ...(meta.limit ? { limit: meta.limit } : {}),
        hosts: {},
        changes: [],
        failures: [],
        result: 'ok',
      };
      return;
    }
    if (!rec) return;
    if (e.type === 'task' && e.status === 'changed') rec.changes.push({ host: e.host, role: e.role, task: e.task, summary: e.summary });
    else if (e.type === 'task' && failedForGood(e)) rec.failures.push({ host: e.host, task: e.task, error: e.error ?? '' });
    else if (e.type === 'host-failed' || e.type === 'host-unreachable') rec.failures.push({ host: e.host, error: e.error });
    else if (e.type === 'rollout-stopped') rec.stopped = { reason: e.reason, notRun: e.notRun };
    else if (e.type === 'run-done') {
      rec.ms = e.ms;
      rec.hosts = e.recaps;
      rec.result = e.interrupted ? 'interrupted' : e.failed ? 'failed' : 'ok';
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      appendFileSync(file, JSON.stringify(rec) + '\n', { mode: 0o600 });
    }
  };
}

export function readRunLog(file: string): RunRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as RunRecord);
}

export function formatRecord(r: RunRecord): string {
  const hosts = Object.keys(r.hosts).length;
  const changed = Object.values(r.hosts).reduce((s, h) => s + h.changed, 0);
  const head = `${r.started}  ${r.id}  ${r.who}  ${r.command}${r.check ? ' (check)' : ''} -i ${r.inventory}${r.limit ? ` -l ${r.limit}` : ''}  ${r.result}  ${hosts} host(s), ${changed} change(s), ${(r.ms / 1000).toFixed(1)} s`;
  const lines = [head];
  for (const c of r.changes.slice(0, 50)) lines.push(`    ${c.host}: ${c.role}: ${c.task}${c.summary.length ? ` (${c.summary.join('; ')})` : ''}`);
  if (r.changes.length > 50) lines.push(`    ... ${r.changes.length - 50} more`);
  for (const f of r.failures) lines.push(`    FAILED ${f.host}${f.task ? `: ${f.task}` : ''}: ${f.error.split('\n')[0]}`);
  if (r.stopped) lines.push(`    ${r.stopped.reason}; not run: ${r.stopped.notRun.join(', ')}`);
  return lines.join('\n');
}
