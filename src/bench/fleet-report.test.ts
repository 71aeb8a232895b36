import { describe, it, expect } from 'vitest';
import { renderFleetReport, type FleetRun } from './fleet-report.js';

const run = (over: Partial<FleetRun>): FleetRun => ({
  label: 'no-op',
  hosts: 1000,
  ms: 14_000,
  cpuMs: 8_900,
  maxRssKb: 184 * 1024,
  maxFds: 94,
  loopMaxMs: 617,
  gcMaxMs: 41,
  roundTrips: '1',
  ok: 1000,
  failed: 0,
  unreachable: 0,
  missing: 0,
  exitCode: 0,
  ...over,
});

describe('fleet simulation report', () => {
  it('says the hosts are stand-ins, and prints every figure with its target', () => {
    const out = renderFleetReport([run({}), run({ label: 'no-op', hosts: 5000, ms: 217_000, cpuMs: 42_300, missing: 3, exitCode: 1, ok: 4999, failed: 1 })], {
      cpus: 2,
      loadStart: 16.5,
      loadEnd: 15.1,
      workers: 3,
      forks: 'default',
    });
    expect(out[1]).toContain('STAND-IN hosts');
    const line = (start: string, n = 0) => out.filter((l) => l.trimStart().startsWith(start))[n] ?? '';
    expect(line('no-op, 1000 stand-in hosts')).toMatch(/14\.00 s\s+<= 15 s: met$/);
    expect(line('controller CPU per host')).toMatch(/8\.9 ms \(8\.90 s in all\)\s+<= 10 ms: met$/);
    expect(line('controller peak RSS')).toMatch(/184\.0 MB\s+<= 300 MB: met$/);
    expect(line('longest event-loop stall')).toContain('617 ms (longest GC pause 41 ms)');
    expect(line('controller CPU per host', 1)).toMatch(/8\.5 ms .*<= 10 ms: met$/);
    expect(line('hosts ok / failed / unreachable', 1)).toContain('4999 / 1 / 0 (exit 1)');
    expect(line('items without a recorded answer')).toMatch(/3\s+record again/);
  });
});
