/**
 * `npm run bench:fleet`: the controller against simulated fleets of 100, 1,000 and 5,000 hosts
 * (src/sim: real SSH servers on loopback, in a few processes of their own, answering with
 * answers recorded on a real lab host converged by the web-tier role). Per size: a first contact
 * (empty caches: facts first) and a no-op; then a first apply on fresh stand-ins, and a run where
 * some hosts are slow, silent, hang or drop the connection. Prints wall time, controller CPU per
 * host, peak RSS, peak open files, the longest event-loop stall; asserts nothing.
 *
 * Settings (environment): WPHA_FLEET_HOSTS=100,1000,5000  WPHA_FLEET_WORKERS=3  WPHA_FLEET_FORKS
 * (default: wpha's own)  WPHA_FLEET_FIRST_APPLY=100 (0: none)  WPHA_FLEET_FAULTS=slow:5:3000,...
 * ("" for none; see src/sim/behaviour.ts)  WPHA_FLEET_FAULT_HOSTS=100.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import { startFleet } from '../sim/fleet.js';
import { assignBehaviours, describeBehaviour, parseBehaviours, type Behaviour } from '../sim/behaviour.js';
import { runWphaApply, type TimedRun } from './run-tools.js';
import { renderFleetReport, type FleetRun } from './fleet-report.js';
import { rangeOf } from './stats.js';

const log = (s: string) => console.error(`[fleet] ${s}`);
const env = process.env;
const counts = (env.WPHA_FLEET_HOSTS ?? '100,1000,5000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const workers = Number(env.WPHA_FLEET_WORKERS ?? 3);
const forks = env.WPHA_FLEET_FORKS;
const firstApplyHosts = Number(env.WPHA_FLEET_FIRST_APPLY ?? 100);
const faultSpec = env.WPHA_FLEET_FAULTS ?? 'slow:5:3000,silent:3,hang:3:1,drop:3:1';
const faultHosts = Number(env.WPHA_FLEET_FAULT_HOSTS ?? 100);
const root = projectRoot();
const recordingFile = path.join(root, 'src', 'sim', 'fixtures', 'web-tier.json');
const rolesDir = path.join(root, 'bench', 'web-tier', 'roles');
const forkArgs = forks ? ['--forks', forks] : [];

function figures(label: string, hosts: number, r: TimedRun, missing: number): FleetRun {
  const outcomes = Object.values(r.outcome.hosts);
  return {
    label,
    hosts,
    ms: r.ms,
    cpuMs: r.cpuMs ?? NaN,
    maxRssKb: r.maxRssKb ?? NaN,
    maxFds: r.maxFds ?? NaN,
    loopMaxMs: r.loopMaxMs ?? NaN,
    gcMaxMs: r.gcMaxMs ?? NaN,
    roundTrips: rangeOf(outcomes.map((h) => h.roundTrips ?? 0)),
    ok: outcomes.filter((h) => !h.failed && !h.unreachable).length,
    failed: outcomes.filter((h) => h.failed && !h.unreachable).length,
    unreachable: outcomes.filter((h) => h.unreachable).length,
    missing,
    exitCode: r.exitCode,
  };
}

async function measure(
  work: string,
  label: string,
  n: number,
  opts: { fresh?: boolean; behaviours?: Behaviour[]; extraArgs?: string[]; reps: string[] },
): Promise<{ runs: FleetRun[]; last?: TimedRun; names: string[] }> {
  const dir = path.join(work, `${label.replace(/\W+/g, '-')}-${n}`);
  log(`${n} stand-in hosts (${label}): starting ${workers} process(es)...`);
  const fleet = await startFleet({ count: n, workers, dir, recordingFile, rolesDir, fresh: Boolean(opts.fresh), ...(opts.behaviours ? { behaviours: opts.behaviours } : {}) });
  const runs: FleetRun[] = [];
  let last: TimedRun | undefined;
  try {
    let before = 0;
    for (const rep of opts.reps) {
      const r = await runWphaApply(fleet.inventoryDir, path.join(dir, 'cache'), { extraArgs: [...forkArgs, ...(opts.extraArgs ?? [])] });
      const missing = (await fleet.counters()).missing;
      runs.push(figures(rep, n, r, missing - before));
      before = missing;
      last = r;
      log(`  ${rep}: ${(r.ms / 1000).toFixed(2)} s, exit ${r.exitCode}`);
      if (r.exitCode !== 0 && !opts.behaviours) log(r.stderrTail);
    }
  } finally {
    await fleet.stop();
  }
  return { runs, ...(last ? { last } : {}), names: fleet.hosts.map((h) => h.name) };
}

/** What the run said about each faulty kind of host: its hosts' states and first error. */
function faultLines(r: TimedRun, names: string[], behaviours: Behaviour[]) {
  const kinds = new Map<string, string[]>();
  behaviours.forEach((b, i) => (b.kind === 'normal' ? undefined : kinds.set(describeBehaviour(b), [...(kinds.get(describeBehaviour(b)) ?? []), names[i]!])));
  return [...kinds].map(([behaviour, hosts]) => {
    const states = hosts.map((h) => r.outcome.hosts[h]).map((o) => (!o ? 'not reported' : o.unreachable ? 'unreachable' : o.failed ? 'failed' : 'ok'));
    const counts = [...new Set(states)].map((s) => `${states.filter((x) => x === s).length} ${s}`).join(', ');
    const err = r.outcome.errors.find((e) => e.startsWith(`${hosts[0]}: `));
    return { behaviour, hosts: hosts.length, reported: `${counts}${err ? `: ${err.slice(hosts[0]!.length + 2, hosts[0]!.length + 150)}` : ''}` };
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-bench-fleet-'));
  const loadStart = loadavg()[0]!;
  const runs: FleetRun[] = [];
  try {
    for (const n of counts) runs.push(...(await measure(work, 'no-op', n, { reps: ['first contact (no-op, empty caches)', 'no-op'] })).runs);
    if (firstApplyHosts > 0) runs.push(...(await measure(work, 'first apply', firstApplyHosts, { fresh: true, reps: ['first apply (fresh stand-ins)'] })).runs);
    if (faultSpec) {
      const behaviours = assignBehaviours(faultHosts, parseBehaviours(faultSpec));
      const m = await measure(work, 'faults', faultHosts, {
        behaviours,
        extraArgs: ['--connect-timeout', '5', '--round-trip-timeout', '10'],
        reps: ['no-op with faulty hosts (connect timeout 5 s, round trip 10 s)'],
      });
      const run = m.runs[0]!;
      run.faults = faultLines(m.last!, m.names, behaviours);
      runs.push(run);
    }
  } finally {
    console.log(renderFleetReport(runs, { cpus: availableParallelism(), loadStart, loadEnd: loadavg()[0]!, workers, forks: forks ?? 'default' }).join('\n'));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
