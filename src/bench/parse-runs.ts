/**
 * What one run of each tool did, read from its output: per host the change count, failures and
 * (for wpha) round trips, plus the list of tasks that changed, so that a run that should have been
 * a no-op can say what it changed. Pure parsers, tested on recorded outputs in fixtures/.
 */
import type { RunEvent } from '../engine/events.js';

export interface HostOutcome {
  changed: number;
  failed: number;
  unreachable: boolean;
  /** wpha only: SSH round trips the host cost. */
  roundTrips?: number;
  /** wpha only: the host's time in the run, and what of it went to apt/dpkg and to services starting (ms). */
  ms?: number;
  aptMs?: number;
  serviceMs?: number;
}

/** wpha's own share of a host's time: everything but apt/dpkg and the services' own start. */
export function ownShare(h: HostOutcome): number | undefined {
  if (!h.ms) return undefined;
  return Math.max(0, h.ms - (h.aptMs ?? 0) - (h.serviceMs ?? 0)) / h.ms;
}

export interface ChangedTask {
  host: string;
  task: string;
  /** Handlers are listed too: on a no-op run none may fire. */
  handler: boolean;
  detail: string;
}

export interface RunOutcome {
  hosts: Record<string, HostOutcome>;
  changedTasks: ChangedTask[];
  /** Error lines (failed tasks, unreachable hosts), for the report. */
  errors: string[];
  /** wpha only: the run's own duration (connect to recap), without process start-up and loading. */
  engineMs?: number;
}

/** `wpha apply --json`: one event per line; other lines (none expected) are ignored. */
export function parseWphaJson(stdout: string): RunOutcome {
  const out: RunOutcome = { hosts: {}, changedTasks: [], errors: [] };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as RunEvent;
    if (e.type === 'task' && e.status === 'changed') {
      out.changedTasks.push({ host: e.host, task: e.task, handler: e.handler, detail: e.summary.join('; ') });
    } else if (e.type === 'task' && e.status === 'failed') {
      out.errors.push(`${e.host}: task "${e.task}" failed: ${e.error ?? ''}`.trim());
    } else if (e.type === 'host-unreachable' || e.type === 'host-failed') {
      out.errors.push(`${e.host}: ${e.error}`);
    } else if (e.type === 'host-done') {
      const times = { ...(e.recap.ms !== undefined ? { ms: e.recap.ms } : {}), ...(e.recap.aptMs ? { aptMs: e.recap.aptMs } : {}), ...(e.recap.serviceMs ? { serviceMs: e.recap.serviceMs } : {}) };
      out.hosts[e.host] = { changed: e.recap.changed, failed: e.recap.failed, unreachable: e.recap.unreachable, roundTrips: e.roundTrips, ...times };
    } else if (e.type === 'run-done') {
      out.engineMs = e.ms;
    }
  }
  return out;
}

const TASK_HEADER = /^(TASK|RUNNING HANDLER) \[(.*)\] \**$/;
// `changed: [web-1]`, `ok: [web-1 -> localhost]`, `fatal: [web-1]: FAILED! => {...}`
const HOST_STATUS = /^(ok|changed|fatal|failed|skipping|unreachable): \[([^\]\s]+)(?: -> [^\]]*)?\](.*)$/;
const RECAP = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/;

/** ansible-playbook's default stdout callback (no colour): task headers, host status lines, PLAY RECAP. */
export function parseAnsibleOutput(stdout: string): RunOutcome {
  const out: RunOutcome = { hosts: {}, changedTasks: [], errors: [] };
  let task = '';
  let handler = false;
  let inRecap = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('PLAY RECAP ')) {
      inRecap = true;
      continue;
    }
    if (inRecap) {
      const r = line.match(RECAP);
      if (r) out.hosts[r[1]!] = { changed: Number(r[3]), failed: Number(r[5]), unreachable: Number(r[4]) > 0 };
      continue;
    }
    const h = line.match(TASK_HEADER);
    if (h) {
      task = h[2]!;
      handler = h[1] === 'RUNNING HANDLER';
      continue;
    }
    const s = line.match(HOST_STATUS);
    if (!s) continue;
    if (s[1] === 'changed') out.changedTasks.push({ host: s[2]!, task, handler, detail: '' });
    if (s[1] === 'fatal' || s[1] === 'failed') out.errors.push(`${s[2]}: task "${task}"${s[3]!.slice(0, 300)}`);
  }
  return out;
}

/** Hosts that changed anything, failed, or were unreachable: empty means a clean no-op. */
export function notNoOp(o: RunOutcome): string[] {
  return Object.entries(o.hosts)
    .filter(([, h]) => h.changed > 0 || h.failed > 0 || h.unreachable)
    .map(([name]) => name);
}

/** One line per changed task, grouped the way a reader wants to see them. */
export function describeChanges(o: RunOutcome): string[] {
  return o.changedTasks.map((c) => `${c.host}: ${c.handler ? 'handler ' : ''}"${c.task}"${c.detail ? `: ${c.detail}` : ''}`);
}
