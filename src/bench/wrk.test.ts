import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { durationMs, parseWrk, wrkCommand, wrkFailures, type WrkResult } from './wrk.js';

// Reports recorded from Debian's wrk 4.1.0 on a bench lab host against the VIP (bench:stack).
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('durationMs', () => {
  it.each([
    ['812.00us', 0.812],
    ['7.90ms', 7.9],
    ['1.56s', 1560],
    ['2.00m', 120_000],
    ['1.00h', 3_600_000],
    [' 109.24ms ', 109.24],
  ])('%s', (text, ms) => expect(durationMs(text)).toBeCloseTo(ms, 6));

  it('refuses what is not a wrk duration', () => {
    expect(() => durationMs('12 ms')).toThrow(/Unexpected wrk duration "12 ms"/);
  });
});

const none = { connect: 0, read: 0, write: 0, timeout: 0 };

describe('parseWrk', () => {
  const CASES: [string, WrkResult][] = [
    ['wrk-cached.out', { requests: 36686, seconds: 10.05, requestsPerSecond: 3651.91, latencyMs: { p50: 7.9, p75: 12.1, p90: 19.36, p99: 109.24 }, socketErrors: none, badResponses: 0 }],
    ['wrk-uncached-query.out', { requests: 198, seconds: 10.06, requestsPerSecond: 19.68, latencyMs: { p50: 1560, p75: 1730, p90: 1830, p99: 2020 }, socketErrors: none, badResponses: 0 }],
    ['wrk-uncached-cookie.out', { requests: 261, seconds: 10.06, requestsPerSecond: 25.94, latencyMs: { p50: 1140, p75: 1350, p90: 1470, p99: 1630 }, socketErrors: none, badResponses: 0 }],
  ];
  it.each(CASES)('%s', (file, expected) => {
    const r = parseWrk(fixture(file));
    expect(r.requests).toBe(expected.requests);
    expect(r.seconds).toBeCloseTo(expected.seconds, 6);
    expect(r.requestsPerSecond).toBe(expected.requestsPerSecond);
    for (const p of ['p50', 'p75', 'p90', 'p99'] as const) expect([p, r.latencyMs[p]]).toEqual([p, expect.closeTo(expected.latencyMs[p], 6)]);
    expect([r.socketErrors, r.badResponses, wrkFailures(r)]).toEqual([none, 0, 0]);
  });

  it('non-2xx/3xx answers are counted (recorded with the machine at a load of 60: HAProxy answered 503)', () => {
    const r = parseWrk(fixture('wrk-uncached-overloaded.out'));
    expect([r.requests, r.requestsPerSecond, r.latencyMs.p50, r.latencyMs.p99, r.badResponses, wrkFailures(r)]).toEqual([4175, 413.24, 1.36, 8200, 4142, 4142]);
  });

  it('socket errors and non-2xx/3xx answers are counted', () => {
    // The cached report with the two lines wrk adds when requests fail, in wrk's own wording.
    const text = fixture('wrk-cached.out').replace(/(\n\s*36686 requests in .*\n)/, '$1  Socket errors: connect 2, read 7, write 0, timeout 11\n  Non-2xx or 3xx responses: 40\n');
    const r = parseWrk(text);
    expect([r.socketErrors, r.badResponses, wrkFailures(r)]).toEqual([{ connect: 2, read: 7, write: 0, timeout: 11 }, 40, 60]);
  });

  it('a report without the latency distribution (no --latency) is refused, naming what is missing', () => {
    const text = fixture('wrk-cached.out').replace(/ {2}Latency Distribution\n(.*%.*\n)+/, '');
    expect(() => parseWrk(text)).toThrow(/No 50% latency in the wrk output/);
  });

  it('an error message instead of a report is refused', () => {
    expect(() => parseWrk('unable to connect to 172.31.246.10:80 Connection refused\n')).toThrow(/No 50% latency|No request count/);
  });
});

describe('wrkCommand', () => {
  it('quotes headers and URL, spells the port, sets a timeout above the run length', () => {
    expect(wrkCommand({ url: 'http://10.0.0.10:80/?nocache=1', host: 'shop.lab', threads: 2, connections: 32, seconds: 10, headers: ["Cookie: a=1; b='x'"] })).toBe(
      "wrk -t2 -c32 -d10s --timeout 15s --latency -H 'Host: shop.lab' -H 'Cookie: a=1; b='\\''x'\\''' 'http://10.0.0.10:80/?nocache=1'",
    );
  });
});
