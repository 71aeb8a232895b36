/**
 * `npm run bench:db:galera`: Galera figures, printed, never asserted.
 *  1. Three fresh hosts of the lab (WPHA_LAB_* as for the tests), roles mariadb + galera,
 *     `wpha apply`: time from fresh hosts to a Synced cluster.
 *  2. Apply lag: a client on node 1 (bench/db/acked-writer.py) writes to node 1 at a fixed rate
 *     (WPHA_BENCH_DB_RATE, 200/s) for WPHA_BENCH_DB_SECONDS (20); every half second node 2 and
 *     node 3 are asked for their newest row: how long ago the writer's node acknowledged the
 *     first row they did not show yet; their largest apply queue and flow control.
 *  3. kill -9 of node 3 (the client does not write there): the longest stall of acknowledgements
 *     (commits wait until the dead node is evicted), and the time until it is Synced again.
 *  4. kill -9 of node 1 while the client writes there (it moves to node 2 on an error): time from
 *     the kill to the first write node 2 acknowledged.
 *  5. Rows acknowledged and missing on any node once all rejoined (the target is 0).
 * The hosts are released at the end, also on failure (WPHA_BENCH_KEEP=1 keeps them).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Lab } from '../lab/lab.js';
import { labConfig } from '../lab/config.js';
import { projectRoot } from '../paths.js';
import { runWphaApply } from './run-tools.js';
import { runOnHost, type SshTarget } from './stack-load.js';
import { applyLags, firstAckAfter, longestGap, parseWriterLog, percentile, renderGaleraReport, type GaleraBenchFigures, type LagSample } from './db-galera-figures.js';

const log = (line: string) => console.error(`[bench:db:galera] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now() / 1000;
const DB = 'wpha_bench';
const USER = 'wpha_bench';
const PASSWORD = 'bench-only-not-secret';

function setting(name: string, fallback: number, min: number, max: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}, found "${process.env[name]}"`);
  return n;
}

async function main(): Promise<void> {
  const rate = setting('WPHA_BENCH_DB_RATE', 200, 1, 5000);
  const loadSeconds = setting('WPHA_BENCH_DB_SECONDS', 20, 5, 600);
  const lab = new Lab(labConfig(), (l) => log(`lab: ${l}`));
  const tag = Math.random().toString(16).slice(2, 8);
  const names = [1, 2, 3].map((i) => `galbench-${tag}-${i}`);
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-bench-galera-'));
  const f: GaleraBenchFigures = { nodes: names, rate, loadSeconds, findings: [], load: { start: loadavg()[0]! } };
  try {
    await lab.ensureInfrastructure();
    const hosts = await lab.up(names.map((name) => ({ name })));
    const addr = hosts.map((h) => h.address);
    const target = (i: number): SshTarget => ({ key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts, address: addr[i]! });
    const run = async (i: number, script: string, timeoutMs = 120_000) => {
      const r = await runOnHost(target(i), script, timeoutMs);
      if (r.code !== 0) throw new Error(`${names[i]}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
      return r.stdout.trim();
    };
    const sql = (i: number, q: string) => run(i, `mariadb -N -B <<'SQL'\n${q}\nSQL`);
    const status = async (i: number) => Object.fromEntries((await sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_%'")).split('\n').map((l) => l.split('\t') as [string, string]));
    const synced = async (i: number, size: number) => {
      try {
        const s = await status(i);
        return s.wsrep_local_state_comment === 'Synced' && s.wsrep_cluster_status === 'Primary' && Number(s.wsrep_cluster_size) === size;
      } catch {
        return false;
      }
    };
    const waitSynced = async (i: number, size: number, seconds: number) => {
      const t0 = now();
      while (!(await synced(i, size))) {
        if (now() - t0 > seconds) throw new Error(`${names[i]} not Synced in a cluster of ${size} after ${seconds} s`);
        await sleep(250);
      }
      return (now() - t0) * 1000;
    };

    // 1. The cluster, from fresh hosts.
    const inv = path.join(work, 'inventory');
    writeInventory(inv, lab, names, addr);
    log('wpha apply on 3 fresh hosts...');
    const applied = await runWphaApply(inv, path.join(work, 'cache'));
    f.applyMs = applied.ms;
    if (applied.exitCode !== 0) throw new Error(`the first apply failed (exit ${applied.exitCode}): ${applied.outcome.errors.join('; ') || applied.stderrTail}`);
    for (const i of [0, 1, 2]) await waitSynced(i, 3, 120);
    await sql(0, `CREATE TABLE ${DB}.acked (id INT PRIMARY KEY, host VARCHAR(64) NOT NULL) ENGINE=InnoDB`);
    const writerSource = readFileSync(path.join(projectRoot(), 'bench', 'db', 'acked-writer.py'), 'utf8');
    await run(0, `mkdir -p /root/bench && cat > /root/bench/acked-writer.py <<'PY'\n${writerSource}\nPY`);
    const startWriter = (tagName: string, targets: number[], start: number, r: number) =>
      run(
        0,
        `rm -f /root/bench/${tagName}.*; export WRITER_PASSWORD='${PASSWORD}'; setsid python3 /root/bench/acked-writer.py --hosts ${targets.map((i) => addr[i]).join(',')} --user ${USER} --db ${DB} --table acked --start ${start} --rate ${r} --out /root/bench/${tagName}.log --stop /root/bench/${tagName}.stop > /dev/null 2>/root/bench/${tagName}.err < /dev/null & echo ok`,
      );
    const stopWriter = async (tagName: string) => {
      await run(0, `touch /root/bench/${tagName}.stop; for i in $(seq 1 100); do [ -s /root/bench/${tagName}.err ] && break; sleep 0.2; done`);
      return parseWriterLog(await run(0, `cat /root/bench/${tagName}.log`));
    };

    // 2. Apply lag under a fixed write load.
    log(`apply lag: ${rate} writes/s to ${names[0]} for ${loadSeconds} s...`);
    await sql(1, 'FLUSH STATUS');
    await startWriter('lag', [0], 1, rate);
    const samples: LagSample[][] = [[], []];
    let maxQueue = 0;
    const tEnd = now() + loadSeconds;
    const loadStart = now();
    while (now() < tEnd) {
      for (const [k, i] of [1, 2].entries()) {
        const out = await sql(i, `SELECT COALESCE(MAX(id), 0) FROM ${DB}.acked; SHOW GLOBAL STATUS LIKE 'wsrep_local_recv_queue'`);
        const [maxId, queueLine] = out.split('\n');
        samples[k]!.push({ at: now(), maxId: Number(maxId) });
        maxQueue = Math.max(maxQueue, Number(queueLine?.split('\t')[1] ?? 0));
      }
      await sleep(500);
    }
    const lag = await stopWriter('lag');
    f.achievedRate = lag.acked.length / (now() - loadStart);
    const lags = samples.flatMap((s) => applyLags(lag, s));
    f.lagMs = { p50: percentile(lags, 50), p99: percentile(lags, 99), max: Math.max(...lags), samples: lags.length };
    f.maxRecvQueue = maxQueue;
    f.flowControlPaused = Number((await status(1)).wsrep_flow_control_paused);

    // 3. kill -9 of a node the client does not write to.
    log(`kill -9 of ${names[2]} while writing to ${names[0]}...`);
    await startWriter('other', [0], 100_000, rate);
    await sleep(3000);
    const killedOther = now();
    await run(2, 'systemctl kill -s KILL mariadb');
    await waitSynced(2, 3, 300);
    f.otherRejoinMs = (now() - killedOther) * 1000;
    const rejoinLog = await run(2, `journalctl -u mariadb --no-pager --since @${Math.floor(killedOther)}`);
    f.otherRejoinedBy = /Proceeding with SST|Preparing the backup at/.test(rejoinLog) ? 'SST' : /Receiving IST: \d+ writesets/.test(rejoinLog) ? 'IST' : undefined;
    await sleep(2000);
    const other = await stopWriter('other');
    f.otherKilledStallMs = longestGap(other, killedOther, killedOther + f.otherRejoinMs / 1000);

    // 4. kill -9 of the node the client writes to.
    log(`kill -9 of ${names[0]} while writing to it...`);
    await startWriter('writer', [0, 1], 200_000, rate);
    await sleep(3000);
    const killedWriter = now();
    await run(0, 'systemctl kill -s KILL mariadb');
    await sleep(15_000);
    const writerLog = await stopWriter('writer');
    f.writerKilledFirstWriteMs = firstAckAfter(writerLog, killedWriter, addr[1]);
    for (const i of [0, 1, 2]) await waitSynced(i, 3, 300);

    // 5. Acknowledged rows kept.
    const acked = [...lag.acked, ...other.acked, ...writerLog.acked].map((a) => a.id);
    f.acked = acked.length;
    f.unknown = lag.unknown.length + other.unknown.length + writerLog.unknown.length;
    let lost = 0;
    for (const i of [0, 1, 2]) {
      const have = new Set((await sql(i, `SET SESSION wsrep_sync_wait = 1; SELECT id FROM ${DB}.acked`)).split('\n').map(Number));
      const missing = acked.filter((id) => !have.has(id));
      lost = Math.max(lost, missing.length);
      if (missing.length) f.findings.push(`${names[i]}: ${missing.length} acknowledged rows missing (first: ${missing.slice(0, 5).join(', ')})`);
    }
    f.lost = lost;
  } catch (e) {
    f.findings.push(`stopped early: ${(e as Error).message}`);
    process.exitCode = 1;
  } finally {
    f.load.end = loadavg()[0]!;
    console.log(renderGaleraReport(f).join('\n'));
    if (process.env.WPHA_BENCH_KEEP) log(`hosts left running: ${names.join(', ')} (wpha lab destroy NAME)`);
    else await lab.stop(names, { purge: true }).catch((e) => log(`releasing the hosts failed: ${(e as Error).message}`));
    rmSync(work, { recursive: true, force: true });
  }
}

/** mariadb + galera on the three hosts, a bench database and user allowed from the lab subnet. */
function writeInventory(dir: string, lab: Lab, names: string[], addr: string[]): void {
  const subnet = addr[0]!.split('.').slice(0, 3).join('.');
  const doc = {
    defaults: { user: 'root', ssh: { key: lab.paths.sshKey, known_hosts: lab.paths.knownHosts } },
    hosts: Object.fromEntries(names.map((n, i) => [n, { address: addr[i] }])),
    groups: { galera: { hosts: names, roles: ['mariadb', 'galera'] } },
    vars: {
      wordpress_sites: [{ id: 'bench', domain: 'bench.lab', title: 'Bench', db_name: DB, db_user: USER, admin_user: 'admin', admin_email: 'admin@bench.lab' }],
      wordpress_db_passwords: { bench: PASSWORD },
      mariadb_client_group: 'galera',
      mariadb_client_hosts: [`${subnet}.%`],
      mariadb_innodb_buffer_pool_mb: 128,
      mariadb_max_connections: 100,
      galera_sst_password: 'bench-sst-not-secret',
      common_extra_packages: ['python3-pymysql'],
    },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'inventory.yaml'), stringify(doc));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
