/**
 * `npm run bench:db`: figures of the database tier, printed, never asserted. Each topology is a
 * section of its own: SECTIONS lists them (replication here; a Galera section plugs in beside
 * it: its own hosts, its own figures, its own report). WPHA_BENCH_DB_RATE (rows/s, 200) and
 * WPHA_BENCH_DB_SECONDS (20) set the write load; WPHA_BENCH_KEEP=1 keeps the hosts.
 */
import { loadavg } from 'node:os';
import { Lab } from '../lab/lab.js';
import { labConfig, AUTO_ADDRESS_FIRST, AUTO_ADDRESS_LAST } from '../lab/config.js';
import { claimAddress, releaseAddress } from '../lab/host.js';
import { renderReplicationReport, replicationBench } from './db-replication.js';

export interface DbBenchSection {
  name: string;
  /** Runs on hosts of its own (named from `tag`), returns the printed report. */
  run(lab: Lab, tag: string, o: { rate: number; loadSeconds: number; log: (l: string) => void; vip: () => string }): Promise<{ hosts: string[]; report: string }>;
}

const replication: DbBenchSection = {
  name: 'replication',
  async run(lab, tag, o) {
    const names = [1, 2, 3].map((i) => `dbbench-${tag}-${i}`) as [string, string, string];
    try {
      return { hosts: names, report: renderReplicationReport(await replicationBench(lab, names, o.vip(), o)) };
    } catch (e) {
      throw Object.assign(e as Error, { hosts: names });
    }
  },
};

/** The sections `npm run bench:db` runs, in order. */
export const SECTIONS: DbBenchSection[] = [replication];

function setting(name: string, fallback: number, min: number, max: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}, found "${process.env[name]}"`);
  return n;
}

async function main(): Promise<void> {
  const rate = setting('WPHA_BENCH_DB_RATE', 200, 1, 5000);
  const loadSeconds = setting('WPHA_BENCH_DB_SECONDS', 20, 5, 600);
  const config = labConfig();
  const lab = new Lab(config, (l) => log(`lab: ${l}`));
  const tag = Math.random().toString(16).slice(2, 8);
  const claimed: { address: string; owner: string }[] = [];
  const vip = () => {
    for (let i = AUTO_ADDRESS_FIRST; i <= AUTO_ADDRESS_LAST; i++) {
      const address = `${config.subnetPrefix}.${i}`;
      const owner = `dbbench-${tag}-vip${claimed.length + 1}`;
      if (claimAddress(config, address, owner)) return (claimed.push({ address, owner }), address);
    }
    throw new Error('No free lab address for the VIP');
  };
  const reports: string[] = [];
  const load0 = loadavg()[0]!;
  await lab.ensureInfrastructure();
  for (const s of SECTIONS) {
    let hosts: string[] = [];
    try {
      const r = await s.run(lab, tag, { rate, loadSeconds, log: (l) => log(`${s.name}: ${l}`), vip });
      hosts = r.hosts;
      reports.push(r.report);
    } catch (e) {
      hosts = (e as { hosts?: string[] }).hosts ?? [];
      reports.push(`${s.name}: FAILED: ${(e as Error).message}`);
    } finally {
      if (process.env.WPHA_BENCH_KEEP !== '1' && hosts.length) await lab.stop(hosts, { purge: true });
    }
  }
  for (const c of claimed) releaseAddress(config, c.address, c.owner);
  process.stdout.write(
    `${reports.join('\n\n')}\n\nMachine load (1 min average): ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end. Figures depend on it; nothing here is asserted.\n`,
  );
}

const log = (line: string) => console.error(`[bench:db] ${line}`);

await main();
