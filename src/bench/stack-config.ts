/**
 * Settings of `npm run bench:stack`, from the environment (all optional):
 *   WPHA_BENCH_REPS=3             no-op re-applies of the whole stack (the median is reported)
 *   WPHA_BENCH_WRK_SECONDS=10     duration of each wrk run
 *   WPHA_BENCH_WRK_CONNECTIONS=32 open connections of each wrk run (2 threads)
 *   WPHA_BENCH_KEEP=1             leave the bench's lab running at the end (prints how to stop it)
 *   WPHA_BENCH_SUBNET=172.31.246 WPHA_BENCH_BRIDGE=wpha-stack0 WPHA_BENCH_PROXY_PORT=3146
 *                                 the bench's own lab network (apart from the default lab's and
 *                                 the other benches')
 */
import type { LabConfig } from '../lab/config.js';

export interface StackBenchConfig {
  reps: number;
  wrkSeconds: number;
  wrkConnections: number;
  wrkThreads: number;
  keep: boolean;
  subnetPrefix: string;
  bridge: string;
  proxyPort: number;
  /** How long to wait for the VIP to serve the site after apply exited. */
  servingTimeoutMs: number;
}

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, found "${text}"`);
  return n;
}

export function stackBenchConfig(env: NodeJS.ProcessEnv = process.env): StackBenchConfig {
  const subnetPrefix = env.WPHA_BENCH_SUBNET ?? '172.31.246';
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(subnetPrefix)) throw new Error(`WPHA_BENCH_SUBNET must be a /24 prefix like 172.31.246, found "${subnetPrefix}"`);
  const bridge = env.WPHA_BENCH_BRIDGE ?? 'wpha-stack0';
  if (!/^[a-z][a-z0-9-]{0,14}$/.test(bridge)) throw new Error(`WPHA_BENCH_BRIDGE must be an interface name of at most 15 characters, found "${bridge}"`);
  const wrkConnections = intSetting(env, 'WPHA_BENCH_WRK_CONNECTIONS', 32, 2, 1000);
  return {
    reps: intSetting(env, 'WPHA_BENCH_REPS', 3, 1, 20),
    // Bounded on purpose: the load runs on the machine every lab host shares.
    wrkSeconds: intSetting(env, 'WPHA_BENCH_WRK_SECONDS', 10, 1, 60),
    wrkConnections,
    wrkThreads: 2,
    keep: Boolean(env.WPHA_BENCH_KEEP),
    subnetPrefix,
    bridge,
    proxyPort: intSetting(env, 'WPHA_BENCH_PROXY_PORT', 3146, 1024, 65535),
    servingTimeoutMs: 120_000,
  };
}

/** The bench's lab: the user's lab settings (base image cache, mirror) with its own state, bridge, subnet and proxy. */
export function stackLabConfig(base: LabConfig, c: StackBenchConfig, stateDir: string): LabConfig {
  return { ...base, stateDir, bridge: c.bridge, subnetPrefix: c.subnetPrefix, proxyPort: c.proxyPort };
}
