/**
 * `npm run bench`: wpha against ansible-playbook on the web-tier workload (bench/web-tier/), on
 * the same lab hosts in the same run. Prints figures next to their targets; asserts nothing.
 *
 *  1. wpha first apply on the compared hosts (fresh), then per host count REPS rounds of a wpha
 *     no-op followed by an Ansible no-op on the same hosts: ours then theirs must change nothing.
 *  2. The hosts are reset to fresh disks; Ansible first apply, then wpha: theirs then ours must
 *     change nothing either.
 *  3. wpha alone on the larger counts (default 50): first apply, no-op x REPS, peak RSS.
 * Settings: see web-tier-config.ts. The bench's lab (own state dir, bridge, subnet, proxy) is
 * taken down and deleted at the end unless WPHA_BENCH_KEEP=1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Lab } from '../lab/lab.js';
import { labConfig } from '../lab/config.js';
import { proxyLogPath } from '../lab/proxy.js';
import { benchHosts, benchLabConfig, webTierBenchConfig, type WebTierBenchConfig } from './web-tier-config.js';
import { writeBenchInventories, type BenchInventories } from './web-tier-files.js';
import { ansibleVersion, closeControlMasters, runAnsiblePlaybook, runWphaApply, type TimedRun } from './run-tools.js';
import { describeChanges, notNoOp, ownShare } from './parse-runs.js';
import { renderReport, type NoOpFigures, type WebTierFigures } from './web-tier-report.js';
import { seconds } from './stats.js';
import { QUIET_WINDOW_MS, waitForQuiet } from './quiet.js';

const log = (s: string) => console.error(`[bench] ${s}`);

interface Ctx {
  config: WebTierBenchConfig;
  lab: Lab;
  work: string;
  figures: WebTierFigures;
  /**
   * One inventory holding every host the bench uses; a run on N hosts passes `--limit` with the
   * first N (to both tools). One inventory means one facts cache for wpha, as a user has.
   */
  inv: BenchInventories;
  total: number;
  /** Aborted on Ctrl-C / SIGTERM: the running tool is ended and the lab cleaned up. */
  signal: AbortSignal;
}

/** `--limit` for the first `count` hosts; none when that is every host. */
function limitFor(ctx: Ctx, count: number): { limit?: string } {
  return count >= ctx.total
    ? {}
    : {
        limit: benchHosts(count, ctx.config.subnetPrefix)
          .map((h) => h.name)
          .join(','),
      };
}

class Interrupted extends Error {}

/** Runs one tool unless the bench was interrupted; a run cut short by Ctrl-C ends the bench. */
async function guarded(ctx: Ctx, run: () => Promise<TimedRun>): Promise<TimedRun> {
  if (ctx.signal.aborted) throw new Interrupted('Interrupted');
  const r = await run();
  if (ctx.signal.aborted) throw new Interrupted('Interrupted');
  return r;
}

const wpha = (ctx: Ctx, count: number) => guarded(ctx, () => runWphaApply(ctx.inv.wpha, path.join(ctx.work, 'cache'), { ...limitFor(ctx, count), signal: ctx.signal }));
const ansible = (ctx: Ctx, count: number, controlPathDir?: string) =>
  guarded(ctx, () => runAnsiblePlaybook(ctx.inv, { ...limitFor(ctx, count), signal: ctx.signal, ...(controlPathDir ? { controlPathDir } : {}) }));

/** At most this many error lines per run in the report: the same failure on 50 hosts says it once. */
const MAX_ERRORS = 3;
const firstLine = (s: string) => {
  const line = s.split('\n')[0]!;
  return line.length > 240 ? `${line.slice(0, 240)}...` : line;
};

/** Checks a run covered every host; records a finding (with what changed) when it was expected to be a no-op and was not. */
function check(ctx: Ctx, label: string, run: TimedRun, hosts: number, expectNoOp: boolean): string[] {
  const seen = Object.keys(run.outcome.hosts).length;
  const dirty = expectNoOp
    ? notNoOp(run.outcome)
    : Object.entries(run.outcome.hosts)
        .filter(([, h]) => h.failed || h.unreachable)
        .map(([n]) => n);
  if (run.exitCode !== 0 || seen !== hosts || dirty.length) {
    const what = [
      `${label}: exit ${run.exitCode}, ${seen}/${hosts} host(s) reported${dirty.length ? `, not clean on ${dirty.join(', ')}` : ''}`,
      ...(expectNoOp ? describeChanges(run.outcome).map((l) => `    changed ${l}`) : []),
      ...run.outcome.errors.slice(0, MAX_ERRORS).map((e) => `    error ${firstLine(e)}`),
      ...(run.outcome.errors.length > MAX_ERRORS ? [`    (and ${run.outcome.errors.length - MAX_ERRORS} more errors)`] : []),
      ...(run.exitCode !== 0 && run.outcome.errors.length === 0 ? run.stderrTail.split('\n').map((l) => `    | ${l}`) : []),
    ];
    ctx.figures.findings.push(what.join('\n'));
    log(what.join('\n'));
  }
  return dirty;
}

const roundTripsOf = (run: TimedRun) => Object.values(run.outcome.hosts).map((h) => h.roundTrips ?? 0);

async function wphaFirstApply(ctx: Ctx, count: number, fresh: number): Promise<void> {
  log(`wpha first apply on ${count} host(s) (${fresh} fresh)...`);
  const r = await wpha(ctx, count);
  check(ctx, `wpha first apply, ${count} host(s)`, r, count, false);
  // Only the fresh hosts' share: a converged host of the run has no package work to compare with.
  const freshHosts = Object.values(r.outcome.hosts).filter((h) => h.aptMs);
  const sum = (f: (h: (typeof freshHosts)[number]) => number) => freshHosts.reduce((s, h) => s + f(h), 0);
  const shares = {
    ownShares: freshHosts.map((h) => ownShare(h)!).filter((x) => x !== undefined),
    aptMs: sum((h) => h.aptMs ?? 0),
    serviceMs: sum((h) => h.serviceMs ?? 0),
    hostMs: sum((h) => h.ms ?? 0),
  };
  ctx.figures.firstApplies.push({
    tool: 'wpha',
    hosts: count,
    freshHosts: fresh,
    ms: r.ms,
    roundTrips: roundTripsOf(r),
    ...(r.maxRssKb ? { maxRssKb: r.maxRssKb } : {}),
    ...(freshHosts.length ? shares : {}),
  });
  log(`  ${seconds(r.ms)}`);
}

/**
 * No-op repetitions on the first `count` hosts: wpha, then (when it runs) ansible-playbook, in
 * turns, so that both see the same load on a shared machine. Ansible after wpha is the "ours
 * then theirs" check: it must change nothing.
 */
async function noOps(ctx: Ctx, count: number, withAnsible: boolean): Promise<void> {
  const fig: NoOpFigures = { hosts: count, wpha: [], wphaStartup: [], wphaEngine: [], wphaTail: [], wphaCpu: [], wphaRoundTrips: [], wphaMaxRssKb: 0, ...(withAnsible ? { ansible: [] } : {}) };
  const dirty = new Set<string>();
  for (let i = 1; i <= ctx.config.reps; i++) {
    await quiet(ctx);
    const r = await wpha(ctx, count);
    check(ctx, `wpha no-op #${i}, ${count} host(s)`, r, count, true);
    fig.wpha.push(r.ms);
    fig.wphaEngine!.push(r.outcome.engineMs ?? NaN);
    fig.wphaStartup!.push(r.startupMs ?? NaN);
    fig.wphaTail!.push(r.tailMs ?? NaN);
    fig.wphaCpu!.push(r.cpuMs ?? NaN);
    fig.wphaRoundTrips.push(roundTripsOf(r));
    fig.wphaMaxRssKb = Math.max(fig.wphaMaxRssKb, r.maxRssKb ?? NaN);
    log(`  wpha no-op #${i} on ${count} host(s): ${seconds(r.ms)}`);
    if (!fig.ansible) continue;
    await quiet(ctx);
    const a = await ansible(ctx, count);
    check(ctx, `ansible no-op #${i} after wpha, ${count} host(s)`, a, count, true).forEach((h) => dirty.add(h));
    fig.ansible.push(a.ms);
    log(`  ansible no-op #${i} on ${count} host(s): ${seconds(a.ms)}`);
  }
  ctx.figures.noOps.push(fig);
  if (fig.ansible) ctx.figures.crossChecks.push({ label: `ours then theirs (ansible after wpha), ${count} host(s)`, dirtyHosts: [...dirty] });
}

const QUIET_MAX_BUSY = 0.1;

/**
 * Before a timed no-op: wait (at most a minute) until the machine is quiet, so that work an
 * earlier run left on the hosts (dpkg triggers, services starting) is not timed as this run's.
 */
async function quiet(ctx: Ctx): Promise<void> {
  const q = await waitForQuiet({ maxBusy: QUIET_MAX_BUSY, windowMs: QUIET_WINDOW_MS });
  const m = ctx.figures.machine!;
  m.quiet ??= { maxBusy: QUIET_MAX_BUSY, windowMs: QUIET_WINDOW_MS, waitedMs: [], busyStarts: 0 };
  m.quiet.waitedMs.push(q.waitedMs);
  if (!q.quiet) m.quiet.busyStarts++;
  if (q.waitedMs > 1500 || !q.quiet) log(`  waited ${seconds(q.waitedMs)} for a quiet machine${q.quiet ? '' : ` (still ${Math.round(q.busy * 100)} % busy: timing anyway)`}`);
}

/** Theirs then ours: fresh disks, Ansible converges them, then wpha must find nothing to do. */
async function theirsThenOurs(ctx: Ctx, count: number): Promise<void> {
  const hosts = benchHosts(count, ctx.config.subnetPrefix);
  log(`resetting ${count} host(s) to fresh disks...`);
  await closeControlMasters(path.join(ctx.work, 'ansible-cp'));
  await Promise.all(hosts.map((h) => ctx.lab.reset(h.name)));
  await assertProxyRunning(ctx.lab);
  log(`ansible first apply on ${count} fresh host(s)...`);
  // a ControlPersist folder of its own: no master connection to a host's former self is reused
  const a = await ansible(ctx, count, path.join(ctx.work, 'ansible-cp-after-reset'));
  check(ctx, `ansible first apply, ${count} host(s)`, a, count, false);
  ctx.figures.firstApplies.push({ tool: 'ansible', hosts: count, freshHosts: count, ms: a.ms });
  log(`  ${seconds(a.ms)}`);
  const w = await wpha(ctx, count);
  const dirty = check(ctx, `wpha no-op after ansible, ${count} host(s)`, w, count, true);
  ctx.figures.crossChecks.push({ label: `theirs then ours (wpha after ansible), ${count} host(s)`, dirtyHosts: dirty, roundTrips: roundTripsOf(w) });
  log(`  wpha after ansible: ${seconds(w.ms)}, ${dirty.length ? `changed on ${dirty.join(', ')}` : '0 changed'}`);
}

/**
 * Fails fast when the lab's package proxy is not running: every first apply would fail on
 * package downloads, and the figures would be meaningless.
 */
async function assertProxyRunning(lab: Lab): Promise<void> {
  await new Promise((r) => setTimeout(r, 500)); // a proxy that could not bind exits right away
  if (!lab.status().infrastructure.proxy) {
    throw new Error(
      `The bench lab's package proxy is not running (see ${proxyLogPath(lab.config)}); another process may hold ${lab.config.subnetPrefix}.1:${lab.config.proxyPort}: set WPHA_BENCH_SUBNET / WPHA_BENCH_PROXY_PORT`,
    );
  }
}

async function main(): Promise<void> {
  const config = webTierBenchConfig();
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-bench-web-tier-'));
  const lab = new Lab(benchLabConfig(labConfig(), config, path.join(work, 'lab')), (s) => log(`lab: ${s}`));
  const version = config.skipAnsible ? undefined : await ansibleVersion();
  const ansibleSide = version ? { version } : { skipped: config.skipAnsible ? 'WPHA_BENCH_SKIP_ANSIBLE is set' : 'ansible-playbook is not installed (Debian: apt-get install ansible-core)' };
  if ('skipped' in ansibleSide) log(`Ansible side skipped: ${ansibleSide.skipped}`);
  const maxCompare = Math.max(...config.compare);
  const total = Math.max(maxCompare, ...config.wphaOnly);
  const ssh = { key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts };
  const inv = writeBenchInventories(path.join(work, 'inventory'), benchHosts(total, config.subnetPrefix), ssh, path.join(work, 'ansible-cp'));
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: ending the running tool, then taking the bench lab down`);
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ctx: Ctx = {
    config,
    lab,
    work,
    inv,
    total,
    signal: abort.signal,
    figures: { ansible: ansibleSide, firstApplies: [], noOps: [], crossChecks: [], findings: [], machine: { cpus: availableParallelism(), loadStart: loadavg()[0]! } },
  };
  try {
    log(`lab: ${maxCompare} host(s) on ${config.bridge} (${config.subnetPrefix}.0/24), state in ${work}`);
    await lab.up(benchHosts(maxCompare, config.subnetPrefix));
    await assertProxyRunning(lab);
    await wphaFirstApply(ctx, maxCompare, maxCompare);
    for (const n of config.compare) await noOps(ctx, n, Boolean(version));
    if (version) await theirsThenOurs(ctx, maxCompare);
    let converged = maxCompare;
    for (const n of config.wphaOnly) {
      log(`lab: ${n} host(s)`);
      await lab.up(benchHosts(n, config.subnetPrefix));
      await assertProxyRunning(lab);
      await wphaFirstApply(ctx, n, Math.max(0, n - converged));
      converged = Math.max(converged, n);
      await noOps(ctx, n, false);
    }
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    ctx.figures.findings.push('Interrupted: the figures above are from the part that ran.');
    process.exitCode = 130;
  } finally {
    ctx.figures.machine!.loadEnd = loadavg()[0]!;
    for (const dir of ['ansible-cp', 'ansible-cp-after-reset']) await closeControlMasters(path.join(work, dir));
    console.log(renderReport(ctx.figures).join('\n'));
    if (config.keep) {
      log(
        `hosts left running (WPHA_BENCH_KEEP): stop them with WPHA_LAB_DIR=${lab.config.stateDir} WPHA_LAB_BRIDGE=${config.bridge} WPHA_LAB_SUBNET=${config.subnetPrefix} WPHA_LAB_PROXY_PORT=${config.proxyPort} wpha lab down --purge, then rm -rf ${work}`,
      );
    } else {
      await lab.down({ purge: true }).catch((e) => log(`lab down failed: ${(e as Error).message}`));
      rmSync(work, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
