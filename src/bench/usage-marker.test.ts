import { describe, it, expect } from 'vitest';
import { formatUsage, parseUsage } from './usage-marker.cjs';

describe('usage line of the bench preload', () => {
  it('round-trips and is taken out of the stderr it came with', () => {
    // as the preload writes it: on a line of its own, even after output without a final newline
    const stderr = `lab: 2 host(s)\nwarning: x\n\n${formatUsage({ maxRssKb: 123456.4, cpuMs: 789.6 })}\n`;
    expect(parseUsage(stderr)).toEqual({ usage: { maxRssKb: 123456, cpuMs: 790 }, rest: 'lab: 2 host(s)\nwarning: x\n' });
  });

  it('leaves stderr alone when the process died before printing it', () => {
    expect(parseUsage('Killed\n')).toEqual({ rest: 'Killed\n' });
  });
});

describe('start-up and tail times of the bench preload', () => {
  it('carries the first connection and the last answer when the process had them', () => {
    const line = formatUsage({ maxRssKb: 1000, cpuMs: 20, firstConnectAt: 1_790_000_000_123.46, startupCpuMs: 61.4, lastDataAt: 1_790_000_000_900, maxFds: 57, loopMaxMs: 12.34 });
    expect(line).toBe('wpha-bench usage: max-rss-kb=1000 cpu-ms=20 first-connect=1790000000123.5 startup-cpu-ms=61 last-data=1790000000900.0 max-fds=57 loop-max-ms=12.3');
    expect(parseUsage(`${line}\n`).usage).toEqual({ maxRssKb: 1000, cpuMs: 20, firstConnectAt: 1_790_000_000_123.5, startupCpuMs: 61, lastDataAt: 1_790_000_000_900, maxFds: 57, loopMaxMs: 12.3 });
  });
});
