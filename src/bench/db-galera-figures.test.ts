import { describe, expect, it } from 'vitest';
import { applyLags, firstAckAfter, longestGap, parseWriterLog, percentile, renderGaleraReport } from './db-galera-figures.js';

// As bench/db/acked-writer.py writes it: "<id> <host> <unix time>", "? <id> ..." for a lost answer.
const log = parseWriterLog(
  ['1 10.0.0.1 100.00', '2 10.0.0.1 100.10', '3 10.0.0.1 100.20', '? 4 10.0.0.1 100.25 2013', '! 5 10.0.0.1 100.30 1047', '6 10.0.0.2 106.40', '7 10.0.0.2 106.50', ''].join('\n'),
);

describe('Galera bench figures', () => {
  it('reads the writer log: acknowledged ids with time and node; lost answers apart; refusals ignored', () => {
    expect(log.acked.map((a) => a.id)).toEqual([1, 2, 3, 6, 7]);
    expect(log.acked[3]).toEqual({ id: 6, host: '10.0.0.2', at: 106.4 });
    expect(log.unknown).toEqual([4]);
  });

  it('apply lag: since when the first row a node did not show was acknowledged', () => {
    expect(applyLags(log, [{ at: 100.15, maxId: 2 }])).toEqual([0]);
    const [lag] = applyLags(log, [{ at: 100.5, maxId: 1 }]);
    expect(lag).toBeCloseTo(400, 6); // id 2, acknowledged at 100.10
    // Before any acknowledgement: no sample.
    expect(applyLags(log, [{ at: 99, maxId: 0 }])).toEqual([]);
  });

  it('the longest stall between acknowledgements, and the first write after a kill', () => {
    expect(longestGap(log, 100, 107)).toBeCloseTo(6200, 6);
    expect(firstAckAfter(log, 101, '10.0.0.2')).toBeCloseTo(5400, 6);
    expect(firstAckAfter(log, 107)).toBeUndefined();
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 99)).toBe(5);
  });

  it('prints n/a for what was not measured', () => {
    const lines = renderGaleraReport({ nodes: ['a', 'b', 'c'], rate: 200, loadSeconds: 20, findings: ['stopped early: x'], load: { start: 1, end: 2 } });
    expect(lines).toContain('  kill -9 of the written node: first accepted write   n/a (on another node)');
    expect(lines.at(-1)).toBe('    - stopped early: x');
  });
});
