import { describe, expect, it } from 'vitest';
import { busyShare, parseCpuTicks, waitForQuiet } from './quiet.js';

const stat = (user: number, system: number, idle: number, iowait = 0) => `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n`;

describe('quiet machine', () => {
  it('reads busy and total ticks from /proc/stat (iowait counts as idle)', () => {
    expect(parseCpuTicks('cpu  100 5 50 1000 20 3 2 1 0 0\nintr 1\n')).toEqual({ busy: 161, total: 1181 });
    expect(() => parseCpuTicks('intr 1 2 3\n')).toThrow(/unexpected first line/);
  });

  it('busy share between two readings', () => {
    expect(busyShare(parseCpuTicks(stat(100, 0, 100)), parseCpuTicks(stat(150, 0, 150)))).toBe(0.5);
    expect(busyShare(parseCpuTicks(stat(100, 0, 100)), parseCpuTicks(stat(100, 0, 100)))).toBe(0);
    expect(busyShare(parseCpuTicks(stat(100, 0, 100)), parseCpuTicks(stat(100, 0, 300, 100)))).toBe(0);
  });

  it('waits through busy windows and stops at the first quiet one', async () => {
    // Readings: start, then 90 % busy, 50 % busy, 5 % busy.
    const readings = [stat(0, 0, 0), stat(90, 0, 10), stat(140, 0, 60), stat(145, 0, 155)];
    let i = 0;
    const r = await waitForQuiet({ windowMs: 1, read: () => readings[Math.min(i++, readings.length - 1)]! });
    expect(r.quiet).toBe(true);
    expect(r.busy).toBeCloseTo(0.05);
    expect(i).toBe(4);
  });

  it('gives up at the bound and says the machine was still busy', async () => {
    let busy = 0;
    const r = await waitForQuiet({ windowMs: 1, maxWaitMs: 5, read: () => stat((busy += 100), 0, busy / 10) });
    expect(r.quiet).toBe(false);
    expect(r.busy).toBeGreaterThan(0.8);
    expect(r.waitedMs).toBeGreaterThanOrEqual(5);
  });
});
