import { describe, it, expect } from 'vitest';
import { noOpSpeedup, renderReport, type WebTierFigures } from './web-tier-report.js';
import { benchHosts, benchLabConfig, webTierBenchConfig } from './web-tier-config.js';
import { median, medianWithRuns, rangeOf } from './stats.js';
import { labConfig } from '../lab/config.js';

const figures = (over: Partial<WebTierFigures> = {}): WebTierFigures => ({
  ansible: { version: 'ansible-playbook [core 2.14.18]' },
  firstApplies: [
    { tool: 'wpha', hosts: 10, freshHosts: 10, ms: 95_000, roundTrips: [6, 6, 7], ownShares: [0.04, 0.06], aptMs: 150_000, serviceMs: 10_000, hostMs: 170_000 },
    { tool: 'ansible', hosts: 10, freshHosts: 10, ms: 400_000 },
  ],
  noOps: [
    { hosts: 1, wpha: [400, 300, 350], wphaRoundTrips: [[1], [1], [1]], wphaMaxRssKb: 80_000, ansible: [19_000, 18_000, 20_000] },
    {
      hosts: 10,
      wpha: [1000, 900, 1100],
      wphaStartup: [90, 80, 120],
      wphaEngine: [600, 500, 700],
      wphaTail: [20, 30, 25],
      wphaCpu: [800, 750, 900],
      wphaRoundTrips: [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      wphaMaxRssKb: 90_000,
      ansible: [47_000, 46_000, 49_000],
    },
    {
      hosts: 50,
      wpha: [2500, 2000, 1900],
      wphaRoundTrips: [
        [1, 2],
        [1, 1],
        [1, 1],
      ],
      wphaMaxRssKb: 160 * 1024,
    },
  ],
  crossChecks: [
    { label: 'ours then theirs, 10 host(s)', dirtyHosts: [] },
    { label: 'theirs then ours, 10 host(s)', dirtyHosts: ['web-3'], roundTrips: [1, 2] },
  ],
  findings: ['wpha no-op after ansible: not clean on web-3'],
  machine: { cpus: 2, loadStart: 0.5, loadEnd: 1.25 },
  ...over,
});

const line = (lines: string[], start: string) => lines.find((l) => l.trimStart().startsWith(start)) ?? '';

describe('web-tier report', () => {
  it('prints medians, ratios and each target with its verdict', () => {
    const out = renderReport(figures());
    expect(out).toContain('Ansible: ansible-playbook [core 2.14.18]');
    expect(out).toContain('Machine: 2 CPU(s) shared by the controller and every lab host; load average (1 min) 0.50 at start, 1.25 at end');
    expect(line(out, 'no-op, wpha, 10 host(s)')).toMatch(/1\.00 s \(1\.00, 0\.90, 1\.10\)\s+<= 0\.8 s: NOT MET$/);
    expect(line(out, 'of which start to first connection')).toMatch(/0\.09 s \(0\.09, 0\.08, 0\.12\)\s+<= 100 ms: met$/);
    expect(line(out, 'of which last answer to exit')).toContain('0.03 s (0.02, 0.03, 0.03)');
    expect(out.filter((l) => l.includes('of which connect to recap'))).toEqual([expect.stringContaining('0.60 s (0.60, 0.50, 0.70)')]);
    expect(out.filter((l) => l.includes('controller CPU time'))).toEqual([expect.stringContaining('0.80 s (0.80, 0.75, 0.90)')]);
    // 47 s / 1 s = 47x >= 40x; at one host no target is printed
    expect(line(out, 'ratio ansible/wpha, 10 host(s)')).toMatch(/47.0x\s+>= 40x: met$/);
    expect(line(out, 'ratio ansible/wpha, 1 host(s)')).toMatch(/54\.3x$/);
    // 2.0 s / 1.0 s = 2.00x is not < 2x
    expect(line(out, 'no-op 50 hosts / no-op 10 hosts')).toMatch(/2\.00x\s+< 2x: NOT MET$/);
    expect(out.filter((l) => l.includes('controller peak RSS')).at(-1)).toMatch(/160\.0 MB\s+< 150 MB at 50 hosts: NOT MET$/);
    expect(line(out, 'round trips per host')).toMatch(/ 1\s+1$/);
    expect(out.filter((l) => l.includes('round trips per host')).at(-1)).toMatch(/1-2  \(per run: 1-2, 1, 1\)\s+1$/);
    expect(line(out, 'first apply, wpha')).toContain('round trips/host 6-7');
    // 150 + 10 of 170 s in apt/dpkg and services: 10 s (5.9 %) is wpha's own
    expect(line(out, "host time: apt/dpkg / services / wpha's own")).toMatch(/88\.2 % \/ 5\.9 % \/ 5\.9 % \(hosts: 4\.0 %-6\.0 % own\)\s+own <= 5 %: NOT MET$/);
    expect(line(out, 'theirs then ours')).toContain('CHANGED on web-3');
    expect(line(out, 'ours then theirs')).toContain('0 changed on every host');
    expect(out).toContain('  - wpha no-op after ansible: not clean on web-3');
  });

  it('says how long the timed no-ops waited for a quiet machine, and how many started busy', () => {
    const quiet = (busyStarts: number, windowMs = 1000) => renderReport(figures({ machine: { cpus: 2, loadStart: 3, quiet: { maxBusy: 0.1, windowMs, waitedMs: [1004, 23_460, 1001], busyStarts } } }));
    expect(quiet(0)).toContain('Each timed no-op (both tools) started once the machine was at most 10 % busy over 1 s: waited 1-23.5 s');
    expect(line(quiet(0, 2500), 'Each timed no-op')).toContain('at most 10 % busy over 2.5 s:');
    expect(line(quiet(2), 'Each timed no-op')).toMatch(/waited 1-23\.5 s; 2 run\(s\) started still busy, at the bound$/);
    expect(renderReport(figures()).some((l) => l.startsWith('Each timed no-op'))).toBe(false);
  });

  it('without Ansible: says why, prints no ratio and no cross check', () => {
    const f = figures({ ansible: { skipped: 'ansible-playbook is not installed' }, firstApplies: [], crossChecks: [], findings: [] });
    f.noOps.forEach((n) => delete n.ansible);
    const out = renderReport(f);
    expect(out).toContain('Ansible side skipped: ansible-playbook is not installed');
    expect(out.some((l) => l.includes('ratio'))).toBe(false);
    expect(noOpSpeedup(f.noOps[0]!)).toBeUndefined();
    expect(out.at(-1)).toMatch(/^Findings: none/);
  });

  it('stats: median of odd and even counts, ranges, runs in order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(rangeOf([1, 1])).toBe('1');
    expect(rangeOf([])).toBe('n/a');
    expect(medianWithRuns([2000])).toBe('2.00 s');
  });
});

describe('web-tier bench settings', () => {
  it('defaults: 1 and 10 hosts compared, 50 for wpha alone, 3 repetitions, its own network', () => {
    const c = webTierBenchConfig({});
    expect(c).toEqual({ compare: [1, 10], wphaOnly: [50], reps: 3, skipAnsible: false, keep: false, subnetPrefix: '172.31.247', bridge: 'wpha-wtier0', proxyPort: 3147 });
    const lab = benchLabConfig(labConfig({}), c, '/tmp/x');
    expect(lab).toMatchObject({ stateDir: '/tmp/x', bridge: 'wpha-wtier0', subnetPrefix: '172.31.247', proxyPort: 3147 });
    expect(lab.bridge).not.toBe(labConfig({}).bridge);
  });

  it('reads counts from the environment (sorted, deduplicated, compared counts not repeated for wpha alone)', () => {
    const c = webTierBenchConfig({ WPHA_BENCH_HOSTS: '10, 2,2', WPHA_BENCH_WPHA_HOSTS: '10,20', WPHA_BENCH_REPS: '5', WPHA_BENCH_SKIP_ANSIBLE: '1' });
    expect([c.compare, c.wphaOnly, c.reps, c.skipAnsible]).toEqual([[2, 10], [20], 5, true]);
    expect(webTierBenchConfig({ WPHA_BENCH_WPHA_HOSTS: '' }).wphaOnly).toEqual([]);
  });

  it.each([
    [{ WPHA_BENCH_HOSTS: 'ten' }, /WPHA_BENCH_HOSTS must be .* found "ten"/],
    [{ WPHA_BENCH_HOSTS: '' }, /at least one host count/],
    [{ WPHA_BENCH_WPHA_HOSTS: '300' }, /from 1 to 240/],
    [{ WPHA_BENCH_REPS: '0' }, /WPHA_BENCH_REPS/],
    [{ WPHA_BENCH_SUBNET: '10.0.0.0/24' }, /WPHA_BENCH_SUBNET/],
    [{ WPHA_BENCH_BRIDGE: 'a-very-long-bridge-name' }, /WPHA_BENCH_BRIDGE/],
    [{ WPHA_BENCH_PROXY_PORT: '80' }, /WPHA_BENCH_PROXY_PORT/],
  ])('refuses %o', (env, message) => {
    expect(() => webTierBenchConfig(env)).toThrow(message);
  });

  it('hosts: web-1..web-N from .11, each count a prefix of the next', () => {
    expect(benchHosts(2, '10.9.8')).toEqual([
      { name: 'web-1', address: '10.9.8.11' },
      { name: 'web-2', address: '10.9.8.12' },
    ]);
    expect(benchHosts(50, '10.9.8').slice(0, 10)).toEqual(benchHosts(10, '10.9.8'));
    expect(benchHosts(240, '10.9.8').at(-1)!.address).toBe('10.9.8.250');
  });
});
