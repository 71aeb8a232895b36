import { describe, it, expect } from 'vitest';
import { stackBenchConfig, stackLabConfig } from './stack-config.js';
import { labConfig } from '../lab/config.js';

describe('stackBenchConfig', () => {
  it('defaults: a network apart from the default lab (172.31.250) and the other benches (247, 248)', () => {
    const c = stackBenchConfig({});
    expect(c).toMatchObject({ reps: 3, wrkSeconds: 10, wrkConnections: 32, wrkThreads: 2, keep: false, subnetPrefix: '172.31.246', bridge: 'wpha-stack0', proxyPort: 3146 });
    expect(['172.31.250', '172.31.247', '172.31.248']).not.toContain(c.subnetPrefix);
  });

  it('reads the environment', () => {
    const c = stackBenchConfig({
      WPHA_BENCH_REPS: '5',
      WPHA_BENCH_WRK_SECONDS: '3',
      WPHA_BENCH_WRK_CONNECTIONS: '8',
      WPHA_BENCH_KEEP: '1',
      WPHA_BENCH_SUBNET: '10.9.8',
      WPHA_BENCH_BRIDGE: 'br-x',
      WPHA_BENCH_PROXY_PORT: '4000',
    });
    expect(c).toMatchObject({ reps: 5, wrkSeconds: 3, wrkConnections: 8, keep: true, subnetPrefix: '10.9.8', bridge: 'br-x', proxyPort: 4000 });
  });

  it.each([
    [{ WPHA_BENCH_REPS: '0' }, /WPHA_BENCH_REPS must be an integer from 1 to 20, found "0"/],
    [{ WPHA_BENCH_WRK_SECONDS: '600' }, /WPHA_BENCH_WRK_SECONDS must be an integer from 1 to 60/],
    [{ WPHA_BENCH_WRK_CONNECTIONS: '1' }, /WPHA_BENCH_WRK_CONNECTIONS must be an integer from 2/],
    [{ WPHA_BENCH_SUBNET: '10.9.8.0/24' }, /WPHA_BENCH_SUBNET must be a \/24 prefix/],
    [{ WPHA_BENCH_BRIDGE: 'a-bridge-name-too-long' }, /WPHA_BENCH_BRIDGE must be an interface name/],
    [{ WPHA_BENCH_PROXY_PORT: '80' }, /WPHA_BENCH_PROXY_PORT must be an integer from 1024/],
  ])('refuses %j', (env, message) => {
    expect(() => stackBenchConfig(env)).toThrow(message);
  });
});

describe('stackLabConfig', () => {
  it("keeps the user's image cache and mirror, takes its own state dir and network", () => {
    const base = labConfig({ WPHA_LAB_CACHE: '/cache', WPHA_LAB_MIRROR: 'http://mirror.example/debian' });
    const c = stackLabConfig(base, stackBenchConfig({}), '/tmp/run/lab');
    expect(c).toEqual({ ...base, stateDir: '/tmp/run/lab', bridge: 'wpha-stack0', subnetPrefix: '172.31.246', proxyPort: 3146 });
    expect(c.stateDir).not.toBe(base.stateDir);
  });
});
