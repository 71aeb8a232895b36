/**
 * The figures one `npm run bench:stack` run collects, and the table printed from them. Pure: the
 * bench fills `StackFigures` as it goes (a failed step leaves its figures out), this renders it.
 */
import { median, medianWithRuns, rangeOf, seconds } from './stats.js';
import type { WrkResult } from './wrk.js';
import { wrkFailures } from './wrk.js';
import { outageLine } from './failover.js';
import type { FailoverFigures } from './stack-failover.js';

export interface ApplyFigures {
  ms: number;
  exitCode: number;
  /** Host -> round trips, from the host-done events. */
  roundTrips: Record<string, number>;
  /** Host -> changed count. */
  changed: Record<string, number>;
  /** The engine's own time (run-done), without process start-up and loading. */
  engineMs?: number;
  /** Process start to its first connection: Node, wpha's code, the inventory and its roles loaded. */
  startupMs?: number;
}

export interface LoadFigures {
  label: string;
  /** Status and X-Cache the client got for the same request just before the run, e.g. "200 HIT". */
  answer: string;
  result: WrkResult;
}

export interface StackFigures {
  hosts: string[];
  vip: string;
  site: string;
  labUpMs?: number;
  firstApply?: ApplyFigures;
  /** From apply's exit to the first 200 with the site title on the VIP. */
  servingAfterExitMs?: number;
  noOps: ApplyFigures[];
  /** wrk's version line and settings, e.g. "wrk 4.1.0 [epoll] on db1: -t2 -c32 -d10s". */
  load?: { client: string; wrk: string; settings: string };
  loads: LoadFigures[];
  /** Requests through the VIP while the VIP holder was restarted, killed or hung. */
  failovers?: FailoverFigures[];
  findings: string[];
  machine: { cpus: number; loadStart: number; loadEnd?: number };
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

/** "front1 1, front2 1, web1 2": each host's values over the repetitions, as a range. */
export function roundTripsLine(runs: readonly ApplyFigures[], hosts: readonly string[]): string {
  return hosts.map((h) => `${h} ${rangeOf(runs.map((r) => r.roundTrips[h]).filter((n): n is number => n !== undefined))}`).join(', ');
}

export function loadLine(l: LoadFigures): string {
  const r = l.result;
  const failures = wrkFailures(r);
  return `${r.requestsPerSecond.toFixed(0)} req/s, p50 ${ms(r.latencyMs.p50)} ms, p99 ${ms(r.latencyMs.p99)} ms (${r.requests} requests${failures ? `, ${failures} errors or non-2xx/3xx` : ''})`;
}

/**
 * Cached over uncached: how many times more requests/s, how many times lower p99. Not computed
 * when either run had failed answers: fast 503s would count as served pages.
 */
export function cacheRatio(cached: WrkResult, uncached: WrkResult): string {
  const failed = [cached, uncached].filter((r) => wrkFailures(r) > 0);
  if (failed.length) return `not comparable: ${failed.map((r) => `${wrkFailures(r)} of ${r.requests}`).join(' and ')} requests failed`;
  const rps = cached.requestsPerSecond / uncached.requestsPerSecond;
  const p99 = uncached.latencyMs.p99 / cached.latencyMs.p99;
  return `${rps.toFixed(1)}x the requests/s, p99 ${p99.toFixed(1)}x lower`;
}

export function renderStackReport(f: StackFigures): string[] {
  const rows: [string, string][] = [];
  if (f.labUpMs !== undefined) rows.push([`lab up: ${f.hosts.length} fresh hosts answering on SSH`, seconds(f.labUpMs)]);
  const a = f.firstApply;
  if (a) {
    rows.push([`first apply, fresh hosts (exit ${a.exitCode})`, `${seconds(a.ms)} (${sum(a.changed)} changed; round trips per host ${rangeOf(Object.values(a.roundTrips))})`]);
    if (f.servingAfterExitMs !== undefined) {
      rows.push(['VIP serving the site after apply exit', seconds(f.servingAfterExitMs)]);
      rows.push(['time to serving (apply start to 200 + title)', seconds(a.ms + f.servingAfterExitMs)]);
    }
  }
  if (f.noOps.length) {
    const engine = f.noOps.map((n) => n.engineMs ?? NaN);
    rows.push([`no-op re-apply, whole stack (median of ${f.noOps.length})`, `${medianWithRuns(f.noOps.map((n) => n.ms))}; engine ${seconds(median(engine))}`]);
    const startups = f.noOps.flatMap((n) => (n.startupMs === undefined ? [] : [n.startupMs]));
    if (startups.length) rows.push(['  of which start to first connection', medianWithRuns(startups)]);
    rows.push(['no-op round trips per host', roundTripsLine(f.noOps, f.hosts)]);
    const changed = f.noOps.map((n) => sum(n.changed));
    rows.push(['no-op changed (per repetition)', changed.every((c) => c === 0) ? `0 on every host (${changed.join(', ')})` : changed.join(', ')]);
  }
  if (f.load) rows.push(['load client', `${f.load.wrk} on ${f.load.client} (a lab host): ${f.load.settings}`]);
  for (const l of f.loads) rows.push([`${l.label} (${l.answer || 'no answer'})`, loadLine(l)]);
  const [cached, ...uncached] = f.loads;
  for (const u of cached ? uncached : []) rows.push([`cached vs ${u.label}`, cacheRatio(cached!.result, u.result)]);
  for (const fo of f.failovers ?? []) rows.push([`${fo.label} (VIP ${fo.from} -> ${fo.to})`, outageLine(fo.outage)]);
  const width = Math.max(...rows.map(([k]) => k.length), 40);
  const load = `load ${f.machine.loadStart.toFixed(1)}${f.machine.loadEnd !== undefined ? ` -> ${f.machine.loadEnd.toFixed(1)}` : ''}`;
  return [
    '',
    `wpha stack benchmark: inventories/lab on ${f.hosts.length} bench lab hosts (${f.hosts.join(', ')}), VIP ${f.vip}, site ${f.site}`,
    `machine: ${f.machine.cpus} CPUs shared by every lab host and the controller, ${load}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    ...(f.findings.length ? ['', 'findings:', ...f.findings.map((x) => `  - ${x.replace(/\n/g, '\n    ')}`)] : []),
  ];
}
