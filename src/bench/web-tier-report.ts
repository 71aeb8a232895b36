/**
 * The figures one web-tier bench run collects, and the table printed from them with the targets
 * next to each figure. Pure: the bench fills `WebTierFigures` as it goes, this renders it.
 */
import { mb, median, medianWithRuns, rangeOf, seconds } from './stats.js';

export interface NoOpFigures {
  hosts: number;
  /** Wall-clock ms of each wpha no-op repetition. */
  wpha: number[];
  /** The engine's own ms of each repetition (run-done): the wall clock minus process start-up and loading. */
  wphaEngine?: number[];
  /** The controller's CPU time (user + system) of each repetition: near the wall clock, the controller is the bottleneck. */
  wphaCpu?: number[];
  /** Spawn to first connection of each repetition (loading and validating, before any host). */
  wphaStartup?: number[];
  /** Last answer of a host to the process's exit, each repetition. */
  wphaTail?: number[];
  /** Round trips of each host, per repetition. */
  wphaRoundTrips: number[][];
  /** Peak controller RSS (kB) over the repetitions. */
  wphaMaxRssKb: number;
  /** Absent when Ansible was not run. */
  ansible?: number[];
}

export interface FirstApplyFigures {
  tool: 'wpha' | 'ansible';
  hosts: number;
  /** Hosts of the run that were fresh (the others were already converged). */
  freshHosts: number;
  ms: number;
  roundTrips?: number[];
  maxRssKb?: number;
  /** wpha: per host, the share of its time that was not apt/dpkg nor services starting (0..1). */
  ownShares?: number[];
  /** wpha: apt/dpkg and services' ms summed over the hosts, and the hosts' ms. */
  aptMs?: number;
  serviceMs?: number;
  hostMs?: number;
}

export interface WebTierFigures {
  /** ansible-playbook version line, or why the Ansible side was skipped. */
  ansible: { version: string } | { skipped: string };
  firstApplies: FirstApplyFigures[];
  noOps: NoOpFigures[];
  /** Cross-application checks: label -> hosts that were not a no-op (empty = clean). */
  crossChecks: { label: string; dirtyHosts: string[]; roundTrips?: number[] }[];
  /** Everything that was not as expected, in the order seen. */
  findings: string[];
  /** The controller: hosts share its CPUs, so its load at start and end says how quiet the run was. */
  machine?: { cpus: number; loadStart: number; loadEnd?: number; quiet?: QuietWaits };
}

/** The waits for a quiet machine before each timed no-op (src/bench/quiet.ts). */
export interface QuietWaits {
  /** Busy share a window had to stay under (0..1). */
  maxBusy: number;
  /** Length of that window (ms). */
  windowMs: number;
  /** ms waited before each timed run. */
  waitedMs: number[];
  /** Runs started although the machine was still busy at the bound. */
  busyStarts: number;
}

export const TARGETS = {
  noOpSpeedupAt10: 40,
  /** Process start to exit, no-op on 10 hosts (ms). */
  noOpWallAt10Ms: 800,
  /** Process start to the first connection (ms). */
  startupMs: 100,
  /** wpha's own share of a first apply (everything but apt/dpkg and the services' own start). */
  ownSharePct: 5,
  scaling50Over10: 2,
  maxRssMbAt50: 150,
} as const;

const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'NOT MET');

/** The ratio Ansible/wpha of the no-op medians, when both sides ran. */
export function noOpSpeedup(n: NoOpFigures): number | undefined {
  if (!n.ansible?.length || !n.wpha.length) return undefined;
  return median(n.ansible) / median(n.wpha);
}

export function renderReport(f: WebTierFigures): string[] {
  const rows: [string, string, string][] = [];
  const byHosts = new Map(f.noOps.map((n) => [n.hosts, n]));
  for (const a of f.firstApplies) {
    const what = a.freshHosts === a.hosts ? `${a.hosts} fresh host(s)` : `${a.hosts} host(s), ${a.freshHosts} fresh`;
    const extra = [a.roundTrips ? `round trips/host ${rangeOf(a.roundTrips)}` : '', a.maxRssKb ? `peak RSS ${mb(a.maxRssKb)}` : ''].filter(Boolean).join(', ');
    rows.push([`first apply, ${a.tool}, ${what}`, `${seconds(a.ms)}${extra ? `  (${extra})` : ''}`, a.tool === 'ansible' && a.hosts === 10 ? 'reference: 6 min 39 s' : '']);
    if (a.ownShares?.length && a.hostMs) {
      const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
      rows.push([
        `  host time: apt/dpkg / services / wpha's own`,
        `${pct((a.aptMs ?? 0) / a.hostMs)} / ${pct((a.serviceMs ?? 0) / a.hostMs)} / ${pct(1 - ((a.aptMs ?? 0) + (a.serviceMs ?? 0)) / a.hostMs)} (hosts: ${pct(Math.min(...a.ownShares))}-${pct(Math.max(...a.ownShares))} own)`,
        `own <= ${TARGETS.ownSharePct} %: ${verdict(1 - ((a.aptMs ?? 0) + (a.serviceMs ?? 0)) / a.hostMs <= TARGETS.ownSharePct / 100)}`,
      ]);
    }
  }
  for (const n of f.noOps) {
    const wallTarget = n.hosts === 10 ? `<= ${TARGETS.noOpWallAt10Ms / 1000} s: ${verdict(median(n.wpha) <= TARGETS.noOpWallAt10Ms)}` : '';
    rows.push([`no-op, wpha, ${n.hosts} host(s)`, medianWithRuns(n.wpha), wallTarget]);
    if (n.wphaStartup?.length) rows.push([`  of which start to first connection`, medianWithRuns(n.wphaStartup), `<= ${TARGETS.startupMs} ms: ${verdict(median(n.wphaStartup) <= TARGETS.startupMs)}`]);
    if (n.wphaEngine?.length) rows.push([`  of which connect to recap`, medianWithRuns(n.wphaEngine), '']);
    if (n.wphaTail?.length) rows.push([`  of which last answer to exit`, medianWithRuns(n.wphaTail), '']);
    if (n.wphaCpu?.length) rows.push([`  controller CPU time`, medianWithRuns(n.wphaCpu), '']);
    const all = n.wphaRoundTrips.flat();
    const perRun = all.some((x) => x !== 1) ? `  (per run: ${n.wphaRoundTrips.map(rangeOf).join(', ')})` : '';
    rows.push([`  round trips per host`, `${rangeOf(all)}${perRun}`, '1']);
    const rssTarget = n.hosts >= 50 ? `< ${TARGETS.maxRssMbAt50} MB at 50 hosts: ${verdict(n.wphaMaxRssKb / 1024 < TARGETS.maxRssMbAt50)}` : '';
    rows.push([`  controller peak RSS`, mb(n.wphaMaxRssKb), rssTarget]);
    if (n.ansible) {
      rows.push([`no-op, ansible-playbook, ${n.hosts} host(s)`, medianWithRuns(n.ansible), n.hosts === 10 ? 'reference: ~47 s' : n.hosts === 1 ? 'reference: ~19 s' : '']);
      const ratio = noOpSpeedup(n)!;
      const target = n.hosts === 10 ? `>= ${TARGETS.noOpSpeedupAt10}x: ${verdict(ratio >= TARGETS.noOpSpeedupAt10)}` : '';
      rows.push([`  ratio ansible/wpha, ${n.hosts} host(s)`, `${ratio.toFixed(1)}x`, target]);
    }
  }
  const ten = byHosts.get(10);
  for (const n of f.noOps.filter((x) => x.hosts > 10)) {
    if (!ten) break;
    const ratio = median(n.wpha) / median(ten.wpha);
    const target = n.hosts === 50 ? `< ${TARGETS.scaling50Over10}x: ${verdict(ratio < TARGETS.scaling50Over10)}` : '';
    rows.push([`no-op ${n.hosts} hosts / no-op 10 hosts (wpha)`, `${ratio.toFixed(2)}x`, target]);
  }
  for (const c of f.crossChecks) {
    const rt = c.roundTrips ? `, round trips/host ${rangeOf(c.roundTrips)}` : '';
    rows.push([c.label, c.dirtyHosts.length ? `CHANGED on ${c.dirtyHosts.join(', ')}` : `0 changed on every host${rt}`, 'no change']);
  }
  const w1 = Math.max(...rows.map((r) => r[0].length), 10);
  const w2 = Math.max(...rows.map((r) => r[1].length), 10);
  const head = 'version' in f.ansible ? `Ansible: ${f.ansible.version}` : `Ansible side skipped: ${f.ansible.skipped}`;
  const m = f.machine;
  const load = m
    ? `Machine: ${m.cpus} CPU(s) shared by the controller and every lab host; load average (1 min) ${m.loadStart.toFixed(2)} at start${m.loadEnd !== undefined ? `, ${m.loadEnd.toFixed(2)} at end` : ''}`
    : '';
  const q = m?.quiet;
  const quiet = q?.waitedMs.length
    ? `Each timed no-op (both tools) started once the machine was at most ${Math.round(q.maxBusy * 100)} % busy over ${Math.round(q.windowMs / 100) / 10} s: waited ${rangeOf(q.waitedMs.map((x) => Math.round(x / 100) / 10))} s${q.busyStarts ? `; ${q.busyStarts} run(s) started still busy, at the bound` : ''}`
    : '';
  const lines = ['', 'wpha web-tier benchmark (same hosts, same run)', head, ...(load ? [load] : []), ...(quiet ? [quiet] : []), ''];
  lines.push(`  ${'figure'.padEnd(w1)}  ${'measured'.padEnd(w2)}  target`);
  for (const [k, v, t] of rows) lines.push(`  ${k.padEnd(w1)}  ${v.padEnd(w2)}  ${t}`.trimEnd());
  lines.push('', f.findings.length ? 'Findings (not as expected):' : 'Findings: none (every no-op run changed nothing, no run failed).');
  for (const x of f.findings) lines.push(`  - ${x}`);
  return lines;
}
