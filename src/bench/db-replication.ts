/**
 * The replication figures of `npm run bench:db`, printed, never asserted:
 *  1. three fresh lab hosts (WPHA_LAB_* as for the tests): `wpha apply` of a replication group
 *     with the SQL proxy and its VIP on hosts 1 and 2 (time from fresh hosts to healthy);
 *  2. replica lag under a fixed write load: the acknowledged-rows writer (bench/db/acked-writer.php,
 *     on host 3) inserts through the VIP at WPHA_BENCH_DB_RATE rows/s (200) for
 *     WPHA_BENCH_DB_SECONDS (20); every half second each replica is asked for its newest row:
 *     how long ago the first row it did not show yet was acknowledged (p50, p95, max);
 *  3. failover: the writer keeps writing through the VIP; the primary's mariadbd is killed (-9)
 *     and its host cut off the network; `wpha db failover` runs at once: time from the kill to the
 *     first write the VIP acknowledged again, the command's own time, and the acknowledged rows
 *     missing on the new primary (the target is 0);
 *  4. the old primary back on the network: `wpha apply` makes it a replica (time).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import type { Lab } from '../lab/lab.js';
import { labConfig } from '../lab/config.js';
import { hostFiles } from '../lab/host.js';
import { projectRoot } from '../paths.js';
import { applyLags, lostAcked, parseWriterLog, percentile, writeGap, type LagSample } from './db-drill.js';
import { BENCH_DB, benchDbInventory } from './db-replication-inventory.js';
import { runWphaApply } from './run-tools.js';
import { runOnHost, type SshTarget } from './stack-load.js';

export interface ReplicationFigures {
  rate: number;
  loadSeconds: number;
  applySeconds?: number;
  lag?: Record<string, { p50: number; p95: number; max: number; samples: number }>;
  failover?: { killToFirstWriteSeconds: number | null; commandSeconds: number; acked: number; ambiguous: number; lost: number; newPrimary: string };
  rejoinApplySeconds?: number;
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now() / 1000;
const round = (n: number) => Math.round(n * 100) / 100;

export async function replicationBench(lab: Lab, names: [string, string, string], vip: string, o: { rate: number; loadSeconds: number; log: (l: string) => void }): Promise<ReplicationFigures> {
  const f: ReplicationFigures = { rate: o.rate, loadSeconds: o.loadSeconds, notes: [] };
  const hosts = await lab.up(names.map((name) => ({ name })));
  const addr = hosts.map((h) => h.address) as [string, string, string];
  const target = (i: number): SshTarget => ({ key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts, address: addr[i]! });
  const run = async (i: number, script: string, timeoutMs = 300_000) => {
    const r = await runOnHost(target(i), script, timeoutMs);
    if (r.code !== 0) throw new Error(`${names[i]}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    return r.stdout.trim();
  };
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-bench-db-'));
  writeFileSync(path.join(work, 'inventory.yaml'), stringify(benchDbInventory({ names, addresses: addr, vip, ssh: { key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts } })));
  const bin = path.join(projectRoot(), 'bin', 'wpha');
  const db = (args: string[]) => execa('node', [bin, 'db', ...args, '-i', work, '--connect-timeout', '3'], { reject: false, env: { CI: '1' } });

  o.log('apply: replication group, SQL proxy and VIP on fresh hosts');
  const first = await runWphaApply(work, path.join(work, 'cache'));
  if (first.exitCode !== 0) throw new Error(`apply failed (exit ${first.exitCode}): ${first.stderrTail}`);
  f.applySeconds = round(first.ms / 1000);

  o.log('client: php-cli and php-mysql on the third host, the writer, the table');
  await run(
    2,
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -q php-cli php-mysql >/tmp/php-install.log 2>&1 || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q php-cli php-mysql >/tmp/php-install.log 2>&1; }',
  );
  await run(2, `cat > /root/acked-writer.php <<'WPHA_PHP'\n${readFileSync(path.join(projectRoot(), 'bench/db/acked-writer.php'), 'utf8')}\nWPHA_PHP`);
  await run(0, `mariadb --batch -e 'CREATE TABLE IF NOT EXISTS ${BENCH_DB.name}.acked (id INT PRIMARY KEY, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))'`);
  const startWriter = async (tag: string, start: number) => {
    const dir = `/root/w-${tag}`;
    // Only the writer goes to the background, its output redirected: the SSH session ends at once.
    const pid = await run(
      2,
      `mkdir -p ${dir} && cd ${dir} || exit 1; WRITER_PASSWORD='${BENCH_DB.password}' nohup php /root/acked-writer.php --host ${vip} --port 3307 --user ${BENCH_DB.user} --db ${BENCH_DB.name} --table acked --start ${start} --out ${dir}/acked.log --stop ${dir}/stop --rate ${o.rate} > ${dir}/err 2>&1 < /dev/null & echo $!`,
    );
    return {
      log: async () => parseWriterLog(await run(2, `cat ${dir}/acked.log 2>/dev/null || true`)),
      stop: async () => parseWriterLog(await run(2, `touch ${dir}/stop; while kill -0 ${pid} 2>/dev/null; do sleep 0.2; done; cat ${dir}/acked.log`)),
    };
  };

  o.log(`load: ${o.rate} rows/s through the VIP for ${o.loadSeconds} s, replicas sampled every 0.5 s`);
  const w1 = await startWriter('load', 1);
  // Each replica samples its own newest row every half second (an SSH round trip per sample
  // would be slower than the lag it measures).
  const sampler = `while [ ! -e /root/sample.stop ]; do t=$(date +%s.%N); m=$(mariadb --batch -N -e 'SELECT COALESCE(MAX(id), 0) FROM ${BENCH_DB.name}.acked'); echo "$t $m" >> /root/samples; sleep 0.5; done`;
  await Promise.all(
    [1, 2].map((i) => run(i, `rm -f /root/sample.stop /root/samples\ncat > /root/sampler.sh <<'WPHA_SH'\n${sampler}\nWPHA_SH\nnohup sh /root/sampler.sh > /dev/null 2>&1 < /dev/null &`)),
  );
  await sleep(o.loadSeconds * 1000);
  const samples: Record<string, LagSample[]> = {};
  for (const i of [1, 2]) {
    const text = await run(i, 'touch /root/sample.stop; sleep 1; cat /root/samples');
    samples[names[i]!] = text
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter((f) => f.length === 2)
      .map(([at, maxId]) => ({ at: Number(at), maxId: Number(maxId) }));
  }
  const loadLog = await w1.stop();
  f.lag = Object.fromEntries(
    Object.entries(samples).map(([host, s]) => {
      const lags = applyLags(loadLog, s);
      return [host, { p50: round(percentile(lags, 50) ?? 0), p95: round(percentile(lags, 95) ?? 0), max: round(Math.max(0, ...lags)), samples: s.length }];
    }),
  );
  if (loadLog.acked.length < o.rate * o.loadSeconds * 0.8) f.notes.push(`the writer reached ${loadLog.acked.length} rows of the ${o.rate * o.loadSeconds} asked (the machine was busy)`);

  o.log('failover: kill -9 of the primary and its host cut off, then wpha db failover');
  const w2 = await startWriter('failover', 1_000_000);
  await sleep(3000);
  const veth = `vb-${(JSON.parse(readFileSync(hostFiles(labConfig(), names[0]).record, 'utf8')) as { machine: string }).machine}`;
  await run(0, 'systemctl kill -s KILL mariadb');
  const killedAt = now();
  await execa('ip', ['link', 'set', veth, 'down']);
  const t0 = performance.now();
  const fo = await db(['failover']);
  const commandSeconds = round((performance.now() - t0) / 1000);
  if (fo.exitCode !== 0) throw new Error(`db failover failed (exit ${fo.exitCode}): ${fo.stderr}`);
  const newPrimary = /Failover of group "db": \S+ -> (\S+)/.exec(fo.stdout)?.[1] ?? '?';
  const deadline = now() + 120;
  while (now() < deadline && !(await w2.log()).acked.some((a) => a.at > killedAt)) await sleep(500);
  await sleep(3000);
  const foLog = await w2.stop();
  const idx = names.indexOf(newPrimary as never);
  const present = idx > 0 ? (await run(idx, `mariadb --batch -N -e 'SELECT id FROM ${BENCH_DB.name}.acked WHERE id >= 1000000'`)).split('\n').filter(Boolean).map(Number) : [];
  const gap = writeGap(foLog, killedAt);
  f.failover = {
    killToFirstWriteSeconds: gap ? round(gap.firstAfter - killedAt) : null,
    commandSeconds,
    acked: foLog.acked.length,
    ambiguous: foLog.ambiguous.length,
    lost: lostAcked(foLog, present).length,
    newPrimary,
  };

  o.log('rejoin: the old primary back on the network, wpha apply');
  await execa('ip', ['link', 'set', veth, 'up']);
  for (let i = 0; i < 60 && (await runOnHost(target(0), 'true', 5000)).code !== 0; i++) await sleep(500);
  const rejoin = await runWphaApply(work, path.join(work, 'cache'));
  f.rejoinApplySeconds = round(rejoin.ms / 1000);
  if (rejoin.exitCode !== 0) f.notes.push(`the rejoin apply failed (exit ${rejoin.exitCode}): ${rejoin.stderrTail}`);
  const status = await db(['status']);
  f.notes.push(`db status after the rejoin: exit ${status.exitCode}`);
  return f;
}

export function renderReplicationReport(f: ReplicationFigures): string {
  const lines = ['Replication group (3 nodes, semi-sync AFTER_SYNC, SQL proxy VIP on 2)'];
  if (f.applySeconds !== undefined) lines.push(`  apply from fresh hosts to a replicating group:   ${f.applySeconds} s`);
  for (const [host, l] of Object.entries(f.lag ?? {})) lines.push(`  replica lag at ${f.rate} rows/s (${host}):  p50 ${l.p50} s, p95 ${l.p95} s, max ${l.max} s (${l.samples} samples)`);
  if (f.failover) {
    const fo = f.failover;
    lines.push(
      `  failover: kill -9 to first acknowledged write through the VIP: ${fo.killToFirstWriteSeconds ?? 'none'} s (wpha db failover itself: ${fo.commandSeconds} s; new primary ${fo.newPrimary})`,
    );
    lines.push(`  acknowledged rows lost: ${fo.lost} of ${fo.acked} (ambiguous, connection lost before the answer: ${fo.ambiguous})`);
  }
  if (f.rejoinApplySeconds !== undefined) lines.push(`  old primary back as a replica (wpha apply):      ${f.rejoinApplySeconds} s`);
  for (const n of f.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
