import { describe, expect, it } from 'vitest';
import { applyLags, lostAcked, outageWindow, parseHttpLog, parseWriterLog, percentile, unexpectedRows, writeGap } from './db-drill.js';

// What the writer wrote around a failover: acks, a broken connection (7), a refusal (8).
const LOG = ['1 10.0.0.30 100.000', '2 10.0.0.30 100.010', '3 10.0.0.30 100.020', '? 7 10.0.0.30 101.500 2013', '! 8 10.0.0.30 102.000 1290', '9 10.0.0.30 104.250', '10 10.0.0.30 104.260', ''].join(
  '\n',
);

describe('the acknowledged-rows writer log', () => {
  const log = parseWriterLog(LOG);
  it('reads acknowledged, ambiguous and refused ids', () => {
    expect(log.acked.map((a) => a.id)).toEqual([1, 2, 3, 9, 10]);
    expect([log.ambiguous, log.refused]).toEqual([[7], [8]]);
  });
  it('finds acknowledged rows a server lacks, and rows that should not be there', () => {
    expect(lostAcked(log, [1, 2, 3, 7, 9, 10])).toEqual([]);
    expect(lostAcked(log, [1, 3, 9])).toEqual([2, 10]);
    // 7 may or may not have committed; 8 was refused: it must not be there.
    expect(unexpectedRows(log, [1, 7])).toEqual([]);
    expect(unexpectedRows(log, [1, 8])).toEqual([8]);
  });
  it('measures the write gap around a kill', () => {
    expect(writeGap(log, 100.5)).toEqual({ lastBefore: 100.02, firstAfter: 104.25, seconds: 104.25 - 100.02 });
    expect(writeGap(log, 200)).toBeUndefined();
  });
  it("measures apply lag from samples of a replica's newest row", () => {
    expect(
      applyLags(log, [
        { at: 100.015, maxId: 1 },
        { at: 100.5, maxId: 3 },
        { at: 104.3, maxId: 3 },
      ]),
    ).toEqual([100.015 - 100.01, 0, 104.3 - 104.25]);
    expect(percentile([3, 1, 2, 4], 50)).toBe(2);
    expect(percentile([3, 1, 2, 4], 100)).toBe(4);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('the HTTP probe log', () => {
  it('finds the outage window: from the last 200 before it to the first 200 after it', () => {
    const s = parseHttpLog(['10.0 200', '10.2 200', '10.4 503', '10.6 000', '10.8 200', '11.0 503', '11.2 200', '11.4 200', 'garbage'].join('\n'));
    expect(outageWindow(s)).toEqual({ failed: 3, seconds: 11.2 - 10.2, from: 10.2, to: 11.2, stray: 1 });
    expect(outageWindow(parseHttpLog('1.0 200\n1.2 200'))).toBeUndefined();
  });
});
