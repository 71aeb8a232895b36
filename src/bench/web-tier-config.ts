/**
 * Settings of `npm run bench`, from the environment (all optional):
 *   WPHA_BENCH_HOSTS=1,10        host counts compared with ansible-playbook
 *   WPHA_BENCH_WPHA_HOSTS=50     host counts measured for wpha only (scaling, memory); "" for none
 *   WPHA_BENCH_REPS=3            repetitions of each no-op run (the median is reported)
 *   WPHA_BENCH_SKIP_ANSIBLE=1    do not run the Ansible side even when ansible-playbook exists
 *   WPHA_BENCH_KEEP=1            leave the bench's lab hosts running at the end (prints how to stop them)
 *   WPHA_BENCH_SUBNET=172.31.247 WPHA_BENCH_BRIDGE=wpha-wtier0 WPHA_BENCH_PROXY_PORT=3147
 *                                the bench's own lab network (apart from the default lab's)
 */
import type { LabConfig } from '../lab/config.js';
import type { BenchHost } from './web-tier-files.js';
import { parseCounts } from './stats.js';

export interface WebTierBenchConfig {
  compare: number[];
  wphaOnly: number[];
  reps: number;
  skipAnsible: boolean;
  keep: boolean;
  subnetPrefix: string;
  bridge: string;
  proxyPort: number;
}

export function webTierBenchConfig(env: NodeJS.ProcessEnv = process.env): WebTierBenchConfig {
  const compare = parseCounts(env.WPHA_BENCH_HOSTS ?? '1,10', 'WPHA_BENCH_HOSTS');
  if (compare.length === 0) throw new Error('WPHA_BENCH_HOSTS must name at least one host count');
  const wphaOnly = parseCounts(env.WPHA_BENCH_WPHA_HOSTS ?? '50', 'WPHA_BENCH_WPHA_HOSTS').filter((n) => !compare.includes(n));
  const reps = Number(env.WPHA_BENCH_REPS ?? 3);
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) throw new Error(`WPHA_BENCH_REPS must be an integer from 1 to 20, found "${env.WPHA_BENCH_REPS}"`);
  const subnetPrefix = env.WPHA_BENCH_SUBNET ?? '172.31.247';
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(subnetPrefix)) throw new Error(`WPHA_BENCH_SUBNET must be a /24 prefix like 172.31.247, found "${subnetPrefix}"`);
  const bridge = env.WPHA_BENCH_BRIDGE ?? 'wpha-wtier0';
  if (!/^[a-z][a-z0-9-]{0,14}$/.test(bridge)) throw new Error(`WPHA_BENCH_BRIDGE must be an interface name of at most 15 characters, found "${bridge}"`);
  const proxyPort = Number(env.WPHA_BENCH_PROXY_PORT ?? 3147);
  if (!Number.isInteger(proxyPort) || proxyPort < 1024 || proxyPort > 65535) throw new Error(`WPHA_BENCH_PROXY_PORT must be a port from 1024 to 65535, found "${env.WPHA_BENCH_PROXY_PORT}"`);
  return { compare, wphaOnly, reps, skipAnsible: Boolean(env.WPHA_BENCH_SKIP_ANSIBLE), keep: Boolean(env.WPHA_BENCH_KEEP), subnetPrefix, bridge, proxyPort };
}

/** The bench's lab: the user's lab settings (base image cache, mirror) with its own state, bridge, subnet and proxy. */
export function benchLabConfig(base: LabConfig, c: WebTierBenchConfig, stateDir: string): LabConfig {
  return { ...base, stateDir, bridge: c.bridge, subnetPrefix: c.subnetPrefix, proxyPort: c.proxyPort };
}

/** Hosts web-1..web-N at fixed addresses .11 upwards, so every count is a prefix of the largest. */
export function benchHosts(count: number, subnetPrefix: string): BenchHost[] {
  return Array.from({ length: count }, (_, i) => ({ name: `web-${i + 1}`, address: `${subnetPrefix}.${11 + i}` }));
}
