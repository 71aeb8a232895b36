import { describe, it, expect } from 'vitest';
import { cacheRatio, loadLine, renderStackReport, roundTripsLine, type ApplyFigures, type StackFigures } from './stack-report.js';
import type { WrkResult } from './wrk.js';

const wrk = (rps: number, p50: number, p99: number, extra: Partial<WrkResult> = {}): WrkResult => ({
  requests: Math.round(rps * 10),
  seconds: 10,
  requestsPerSecond: rps,
  latencyMs: { p50, p75: p50, p90: p99, p99 },
  socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
  badResponses: 0,
  ...extra,
});

const noOp = (ms: number, rt: Record<string, number>, changed: Record<string, number> = {}): ApplyFigures => ({
  ms,
  exitCode: 0,
  roundTrips: rt,
  changed: { front1: 0, web1: 0, ...changed },
  engineMs: ms - 500,
  startupMs: ms / 10,
});

const hosts = ['front1', 'web1'];

function figures(over: Partial<StackFigures> = {}): StackFigures {
  return {
    hosts,
    vip: '172.31.246.10',
    site: 'shop.lab',
    labUpMs: 4200,
    firstApply: { ms: 120_000, exitCode: 0, roundTrips: { front1: 3, web1: 5 }, changed: { front1: 40, web1: 90 } },
    servingAfterExitMs: 2500,
    noOps: [noOp(1500, { front1: 1, web1: 1 }), noOp(1200, { front1: 1, web1: 2 }), noOp(1300, { front1: 1, web1: 1 })],
    load: { client: 'db1', wrk: 'wrk 4.1.0', settings: '-t2 -c32 -d10s' },
    loads: [
      { label: 'cached: GET /', answer: '200 HIT', result: wrk(5000, 4, 20) },
      { label: 'uncached: GET /?nocache=1', answer: '200 BYPASS', result: wrk(100, 300, 800) },
    ],
    findings: [],
    machine: { cpus: 2, loadStart: 3.25, loadEnd: 6.5 },
    ...over,
  };
}

describe('stack report', () => {
  it('round trips per host as a range over the repetitions', () => {
    expect(roundTripsLine(figures().noOps, hosts)).toBe('front1 1, web1 1-2');
  });

  const failing = wrk(100, 300, 800, { badResponses: 3, socketErrors: { connect: 0, read: 1, write: 0, timeout: 2 } });

  it('a load line: rounded req/s, latencies, and the failures when there were any', () => {
    const [cached, uncached] = figures().loads;
    expect(loadLine(cached!)).toBe('5000 req/s, p50 4.00 ms, p99 20.0 ms (50000 requests)');
    expect(loadLine(uncached!)).toBe('100 req/s, p50 300 ms, p99 800 ms (1000 requests)');
    expect(loadLine({ label: 'x', answer: '503', result: failing })).toBe('100 req/s, p50 300 ms, p99 800 ms (1000 requests, 6 errors or non-2xx/3xx)');
  });

  it('the cached / uncached ratio of requests/s and of p99, refused when answers failed', () => {
    expect(cacheRatio(wrk(5000, 4, 20), wrk(100, 300, 800))).toBe('50.0x the requests/s, p99 40.0x lower');
    expect(cacheRatio(wrk(5000, 4, 20), failing)).toBe('not comparable: 6 of 1000 requests failed');
  });

  it('renders every figure: apply, time to serving, no-op median and changed, loads and ratio', () => {
    const text = renderStackReport(figures()).join('\n');
    expect(text).toContain('VIP 172.31.246.10, site shop.lab');
    expect(text).toContain('2 CPUs shared by every lab host and the controller, load 3.3 -> 6.5');
    expect(text).toMatch(/lab up: 2 fresh hosts answering on SSH\s+4\.20 s/);
    expect(text).toMatch(/first apply, fresh hosts \(exit 0\)\s+120\.00 s \(130 changed; round trips per host 3-5\)/);
    expect(text).toMatch(/time to serving \(apply start to 200 \+ title\)\s+122\.50 s/);
    expect(text).toMatch(/no-op re-apply, whole stack \(median of 3\)\s+1\.30 s \(1\.50, 1\.20, 1\.30\); engine 0\.80 s/);
    expect(text).toMatch(/ {2}of which start to first connection\s+0\.13 s \(0\.15, 0\.12, 0\.13\)/);
    expect(text).toMatch(/no-op changed \(per repetition\)\s+0 on every host \(0, 0, 0\)/);
    expect(text).toMatch(/cached: GET \/ \(200 HIT\)\s+5000 req\/s/);
    expect(text).toMatch(/cached vs uncached: GET \/\?nocache=1\s+50\.0x the requests\/s/);
    expect(text).not.toContain('findings:');
  });

  it('a row per failover: where the VIP went, failed requests and seconds', () => {
    const outage = (failed: number, outageMs: number) => ({ failed, outageMs, after: 50, total: 90 });
    const text = renderStackReport(
      figures({
        failovers: [
          { label: 'planned: HAProxy restart on the VIP holder', planned: true, from: 'front1', to: 'front2', outage: outage(0, 0) },
          { label: 'unplanned: HAProxy hung 8 s (SIGSTOP) on the VIP holder', planned: false, from: 'front2', to: 'front1', outage: outage(2, 2400) },
        ],
      }),
    ).join('\n');
    expect(text).toMatch(/planned: HAProxy restart on the VIP holder \(VIP front1 -> front2\)\s+0 failed requests, 0\.0 s \(90 requests\)/);
    expect(text).toMatch(/unplanned: HAProxy hung 8 s \(SIGSTOP\) on the VIP holder \(VIP front2 -> front1\)\s+2 failed requests, 2\.4 s \(90 requests\)/);
  });

  it('a no-op that changed something shows the counts, and findings are listed', () => {
    const f = figures({ noOps: [noOp(1000, { front1: 1, web1: 1 }, { web1: 2 })], findings: ['no-op re-apply #1: exit 0\nchanged web1: "nginx site"'] });
    const text = renderStackReport(f).join('\n');
    expect(text).toMatch(/no-op changed \(per repetition\)\s+2\n/);
    expect(text).toContain('findings:\n  - no-op re-apply #1: exit 0\n    changed web1: "nginx site"');
  });

  it('a run stopped early prints what it has and no empty rows', () => {
    const text = renderStackReport(figures({ firstApply: undefined, servingAfterExitMs: undefined, noOps: [], load: undefined, loads: [], findings: ['stopped early: boom'] })).join('\n');
    expect(text).not.toMatch(/first apply|no-op|req\/s|cached vs/);
    expect(text).toContain('stopped early: boom');
  });
});
