/**
 * `npm run bench:stack`: the whole lab stack (inventories/lab: 2 front servers with HAProxy and
 * keepalived, 2 web nodes, 1 database + Redis host) on a lab of the bench's own. Prints figures;
 * asserts nothing.
 *  1. inventories/lab copied with its addresses moved to the bench subnet (stack-inventory.ts);
 *     its hosts booted fresh, with its lab_etc_hosts names as `apply -i lab` would write them.
 *  2. `wpha apply` from fresh hosts, then GET / on the VIP until 200 with the site title: apply
 *     time and time to serving.
 *  3. No-op re-apply of the whole stack, REPS times: median, round trips per host, changed count.
 *  4. wrk on the database host (a lab host: traffic stays on the bench bridge) against the VIP:
 *     cached home page, then uncached (query string, cart cookie); requests/s, p50/p99, ratio.
 *  5. Failovers through the VIP (stack-failover.ts): planned restarts of HAProxy and keepalived on
 *     the VIP holder, then HAProxy killed and hung there; failed requests and seconds.
 *  6. The bench lab is taken down and deleted at the end, also on failure or Ctrl-C (unless
 *     WPHA_BENCH_KEEP=1).
 * Settings: stack-config.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Lab } from '../lab/lab.js';
import { labConfig } from '../lab/config.js';
import { loadForRun } from '../engine/load.js';
import { projectRoot } from '../paths.js';
import { stackBenchConfig, stackLabConfig, type StackBenchConfig } from './stack-config.js';
import { copyStackInventory, stackTargets, type StackTargets } from './stack-inventory.js';
import { waitUntilServing } from './stack-http.js';
import { installWrk, runOnHost, runWrk, vipUrl, answerProbe, type SshTarget } from './stack-load.js';
import { renderStackReport, type ApplyFigures, type StackFigures } from './stack-report.js';
import { runWphaApply, type TimedRun } from './run-tools.js';
import { describeChanges, notNoOp } from './parse-runs.js';
import { seconds } from './stats.js';
import { wrkFailures } from './wrk.js';
import { failoverRuns } from './stack-failover.js';

const log = (s: string) => console.error(`[bench:stack] ${s}`);

interface Ctx {
  config: StackBenchConfig;
  lab: Lab;
  work: string;
  inventory: string;
  targets: StackTargets;
  figures: StackFigures;
  /** Aborted on Ctrl-C / SIGTERM: every step checks it before starting a run. */
  interrupted: AbortSignal;
}

const apply = (ctx: Ctx) => {
  ctx.interrupted.throwIfAborted();
  // Aborting ends the apply's process group at once (it runs detached from the terminal's Ctrl-C).
  return runWphaApply(ctx.inventory, path.join(ctx.work, 'cache'), { signal: ctx.interrupted });
};

function applyFigures(r: TimedRun): ApplyFigures {
  const hosts = Object.entries(r.outcome.hosts);
  return {
    ms: r.ms,
    exitCode: r.exitCode,
    roundTrips: Object.fromEntries(hosts.map(([h, o]) => [h, o.roundTrips ?? 0])),
    changed: Object.fromEntries(hosts.map(([h, o]) => [h, o.changed])),
    ...(r.outcome.engineMs !== undefined ? { engineMs: r.outcome.engineMs } : {}),
    ...(r.startupMs !== undefined ? { startupMs: r.startupMs } : {}),
  };
}

/** A finding (with what failed or changed) when a run did not end as it should have. */
function check(ctx: Ctx, label: string, r: TimedRun, expectNoOp: boolean): boolean {
  if (ctx.interrupted.aborted) return false; // its hosts were taken down under it: nothing to report
  const seen = Object.keys(r.outcome.hosts).length;
  const dirty = expectNoOp ? notNoOp(r.outcome) : [];
  if (r.exitCode === 0 && seen === ctx.targets.hosts.length && dirty.length === 0) return true;
  const what = [
    `${label}: exit ${r.exitCode}, ${seen}/${ctx.targets.hosts.length} host(s) reported${dirty.length ? `, not a no-op on ${dirty.join(', ')}` : ''}`,
    ...(expectNoOp ? describeChanges(r.outcome).map((l) => `changed ${l}`) : []),
    ...r.outcome.errors.map((e) => `error ${e}`),
    ...(r.exitCode !== 0 && r.outcome.errors.length === 0 ? r.stderrTail.split('\n').map((l) => `| ${l}`) : []),
  ].join('\n');
  ctx.figures.findings.push(what);
  log(what);
  return false;
}

async function firstApplyUntilServing(ctx: Ctx): Promise<void> {
  log(`wpha apply on ${ctx.targets.hosts.length} fresh host(s)...`);
  const r = await apply(ctx);
  ctx.figures.firstApply = applyFigures(r);
  log(`  apply exited ${r.exitCode} after ${seconds(r.ms)}`);
  if (!check(ctx, 'first apply', r, false)) throw new Error('The first apply did not converge every host');
  const { vip, site } = ctx.targets;
  const s = await waitUntilServing({ address: vip, host: site.domain, title: site.title, timeoutMs: ctx.config.servingTimeoutMs });
  if (!s.served) throw new Error(`http://${vip}/ (Host: ${site.domain}) did not serve "${site.title}" within ${seconds(s.ms)}: last saw ${s.last}`);
  ctx.figures.servingAfterExitMs = s.ms;
  log(`  serving ${seconds(s.ms)} after apply exit (${s.attempts} attempt(s))`);
}

async function noOps(ctx: Ctx): Promise<void> {
  for (let i = 1; i <= ctx.config.reps; i++) {
    const r = await apply(ctx);
    ctx.figures.noOps.push(applyFigures(r));
    check(ctx, `no-op re-apply #${i}`, r, true);
    log(`  no-op #${i}: ${seconds(r.ms)}`);
  }
}

async function loadRuns(ctx: Ctx): Promise<void> {
  const { config, targets } = ctx;
  const client: SshTarget = { key: ctx.lab.paths.sshKey, knownHosts: ctx.lab.paths.knownHosts, address: targets.loadClient.address };
  log(`installing wrk on ${targets.loadClient.name}...`);
  const wrk = await installWrk(client);
  const base = { host: targets.site.domain, threads: config.wrkThreads, connections: config.wrkConnections, seconds: config.wrkSeconds };
  ctx.figures.load = {
    client: targets.loadClient.name,
    wrk: wrk.split(' [')[0] ?? wrk,
    settings: `-t${base.threads} -c${base.connections} -d${base.seconds}s, Host: ${base.host}, http://${targets.vip}:80`,
  };
  const modes = [
    { label: 'cached: GET /', path: '/', headers: [] as string[] },
    { label: 'uncached: GET /?nocache=1', path: '/?nocache=1', headers: [] },
    { label: 'uncached: GET / + cart cookie', path: '/', headers: ['Cookie: woocommerce_items_in_cart=1'] },
  ];
  for (const m of modes) {
    ctx.interrupted.throwIfAborted();
    const url = vipUrl(targets.vip, m.path);
    // Three requests first: each web node's copy of the page is cached (or shown to bypass) before the run.
    const probe = await runOnHost(
      client,
      Array(3)
        .fill(answerProbe(url, base.host, m.headers))
        .join('\n'),
      60_000,
    );
    const answers = probe.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim());
    log(`${m.label}: first answers ${answers.join(', ') || 'none'}; wrk for ${base.seconds} s...`);
    const run = await runWrk(client, m.label, { ...base, url, headers: m.headers });
    log(
      run.output
        .trimEnd()
        .split('\n')
        .map((l) => `  | ${l}`)
        .join('\n'),
    );
    ctx.figures.loads.push({ label: m.label, answer: answers.at(-1) ?? '', result: run.result });
    const failed = wrkFailures(run.result);
    if (failed) ctx.figures.findings.push(`${m.label}: ${failed} of ${run.result.requests} requests failed or were not 2xx/3xx (machine load ${loadavg()[0]!.toFixed(1)})`);
  }
}

async function failovers(ctx: Ctx): Promise<void> {
  const ssh = { key: ctx.lab.paths.sshKey, knownHosts: ctx.lab.paths.knownHosts };
  const { targets } = ctx;
  log('failovers through the VIP...');
  ctx.figures.failovers = await failoverRuns(
    { client: { ...ssh, address: targets.loadClient.address }, fronts: targets.fronts.map((f) => ({ ...ssh, ...f })), vip: targets.vip, site: targets.site.domain },
    log,
    ctx.interrupted,
  );
  for (const f of ctx.figures.failovers) if (f.planned && f.outage.failed > 0) ctx.figures.findings.push(`${f.label}: ${f.outage.failed} requests failed (a planned handover should lose none)`);
}

async function main(): Promise<void> {
  const config = stackBenchConfig();
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-bench-stack-'));
  const lab = new Lab(stackLabConfig(labConfig(), config, path.join(work, 'lab')), (s) => log(`lab: ${s}`));
  const figures: StackFigures = { hosts: [], vip: '', site: '', noOps: [], loads: [], findings: [], machine: { cpus: availableParallelism(), loadStart: loadavg()[0]! } };
  let teardown: Promise<void> | undefined;
  const tearDown = () =>
    (teardown ??= (async () => {
      if (config.keep) {
        log(
          `hosts left running (WPHA_BENCH_KEEP): stop them with WPHA_LAB_DIR=${lab.config.stateDir} WPHA_LAB_BRIDGE=${config.bridge} WPHA_LAB_SUBNET=${config.subnetPrefix} WPHA_LAB_PROXY_PORT=${config.proxyPort} wpha lab down --purge, then rm -rf ${work}`,
        );
        return;
      }
      log('taking the bench lab down...');
      await lab.down({ purge: true }).catch((e) => log(`lab down failed: ${(e as Error).message}`));
      rmSync(work, { recursive: true, force: true });
    })());
  // Ctrl-C / SIGTERM: end the running apply and take the lab down at once (a running ssh/wrk then
  // fails within seconds, its host gone); the steps below stop at the next check, and the report
  // and exit happen as for any failure, with no child process left behind.
  const interrupt = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping`);
    interrupt.abort(new Error(`interrupted by ${sig}`));
    void tearDown();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ssh = { key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts };
    const inventory = copyStackInventory(path.join(projectRoot(), 'inventories', 'lab'), path.join(work, 'inventory', 'lab'), config.subnetPrefix, ssh).dir;
    const targets = stackTargets(await loadForRun({ inventory }), config.subnetPrefix);
    Object.assign(figures, { hosts: targets.hosts.map((h) => h.name), vip: targets.vip, site: targets.site.domain });
    const ctx: Ctx = { config, lab, work, inventory, targets, figures, interrupted: interrupt.signal };
    log(`lab: ${targets.hosts.length} host(s) on ${config.bridge} (${config.subnetPrefix}.0/24), state in ${work}`);
    interrupt.signal.throwIfAborted();
    // What `apply -i lab` does for a lab inventory: its extra names into every host's /etc/hosts.
    await lab.setExtraNames(targets.etcHosts);
    const t0 = performance.now();
    await lab.up(targets.hosts);
    figures.labUpMs = performance.now() - t0;
    await firstApplyUntilServing(ctx);
    await noOps(ctx);
    await loadRuns(ctx);
    await failovers(ctx);
  } catch (e) {
    figures.findings.push(`stopped early: ${(interrupt.signal.reason as Error | undefined)?.message ?? (e as Error).message}`);
    process.exitCode = interrupt.signal.aborted ? 130 : 1;
  } finally {
    figures.machine.loadEnd = loadavg()[0]!;
    console.log(renderStackReport(figures).join('\n'));
    await tearDown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
