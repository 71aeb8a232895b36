/**
 * The figures of `npm run bench:fleet` and the table printed from them, with the targets. Pure.
 * Every line says the hosts are stand-ins (src/sim): real SSH servers on loopback answering with
 * recordings of a real lab host, so the figures are the controller's, not a real fleet's.
 */
import { mb, seconds } from './stats.js';

export interface FleetRun {
  label: string;
  hosts: number;
  ms: number;
  cpuMs: number;
  maxRssKb: number;
  maxFds: number;
  loopMaxMs: number;
  gcMaxMs: number;
  /** Round trips per host, min-max. */
  roundTrips: string;
  ok: number;
  failed: number;
  unreachable: number;
  /** Items the stand-ins had no recorded answer for (0 when the recording matches the code). */
  missing: number;
  exitCode: number;
  /** Hosts made slow, silent, hanging or dropping, and what the run said about each kind. */
  faults?: { behaviour: string; hosts: number; reported: string }[];
}

export const FLEET_TARGETS = {
  cpuMsPerHost: 10,
  wallMsAt1000: 15_000,
  rssMbAt1000: 300,
} as const;

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

export function renderFleetReport(runs: FleetRun[], machine: { cpus: number; loadStart: number; loadEnd: number; workers: number; forks: string }): string[] {
  const rows: [string, string, string][] = [];
  for (const r of runs) {
    const perHost = r.cpuMs / r.hosts;
    const noOp = r.label.startsWith('no-op');
    rows.push([`${r.label}, ${r.hosts} stand-in hosts`, seconds(r.ms), noOp && r.hosts === 1000 ? `<= ${FLEET_TARGETS.wallMsAt1000 / 1000} s: ${verdict(r.ms <= FLEET_TARGETS.wallMsAt1000)}` : '']);
    rows.push([
      '  controller CPU per host',
      `${perHost.toFixed(1)} ms (${seconds(r.cpuMs)} in all)`,
      noOp ? `<= ${FLEET_TARGETS.cpuMsPerHost} ms: ${verdict(perHost <= FLEET_TARGETS.cpuMsPerHost)}` : '',
    ]);
    rows.push(['  controller peak RSS', mb(r.maxRssKb), noOp && r.hosts === 1000 ? `<= ${FLEET_TARGETS.rssMbAt1000} MB: ${verdict(r.maxRssKb / 1024 <= FLEET_TARGETS.rssMbAt1000)}` : '']);
    rows.push(['  peak open files', String(r.maxFds), '']);
    rows.push(['  longest event-loop stall (after the first connection)', `${r.loopMaxMs.toFixed(0)} ms (longest GC pause ${r.gcMaxMs.toFixed(0)} ms)`, '']);
    rows.push(['  round trips per host', r.roundTrips, '']);
    rows.push(['  hosts ok / failed / unreachable', `${r.ok} / ${r.failed} / ${r.unreachable}${r.exitCode !== 0 ? ` (exit ${r.exitCode})` : ''}`, '']);
    if (r.missing) rows.push(['  items without a recorded answer', String(r.missing), 'record again (docs/fleet-sim.md)']);
    for (const f of r.faults ?? []) rows.push([`  ${f.hosts} host(s) ${f.behaviour}`, f.reported, '']);
  }
  const w1 = Math.max(...rows.map((r) => r[0].length), 10);
  const w2 = Math.max(...rows.map((r) => r[1].length), 10);
  const lines = [
    '',
    'wpha fleet simulation (STAND-IN hosts: ssh2 servers on loopback answering with answers recorded on a real lab host)',
    `Machine: ${machine.cpus} CPU(s) shared by the controller and ${machine.workers} stand-in process(es); load average (1 min) ${machine.loadStart.toFixed(2)} at start, ${machine.loadEnd.toFixed(2)} at end; --forks ${machine.forks}`,
    '',
    `  ${'figure'.padEnd(w1)}  ${'measured'.padEnd(w2)}  target`,
  ];
  for (const [k, v, t] of rows) lines.push(`  ${k.padEnd(w1)}  ${v.padEnd(w2)}  ${t}`.trimEnd());
  return lines;
}
