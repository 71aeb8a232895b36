import { describe, expect, it } from 'vitest';
import { phaseTimes, renderRolls } from './upgrade-report.js';
import type { UpgradeEvent } from '../upgrade/report.js';

const ev: UpgradeEvent[] = [
  { type: 'phase', phase: 'recover', hosts: [], ms: 10, ok: true },
  { type: 'phase', phase: 'create', batch: 1, hosts: ['a'], ms: 2000, ok: true },
  { type: 'phase', phase: 'converge', batch: 1, hosts: ['a'], ms: 7000, ok: true },
  { type: 'phase', phase: 'create', batch: 2, hosts: ['b'], ms: 3000, ok: true },
  { type: 'phase', phase: 'converge', batch: 1, hosts: ['x'], ms: 1500, ok: true },
];

describe('bench:upgrade report', () => {
  it('sums each phase over the batches (phases outside a batch are not counted)', () => {
    expect(phaseTimes(ev)).toEqual({ create: { total: 5000, max: 3000, count: 2 }, converge: { total: 8500, max: 7000, count: 2 } });
  });

  it('says which statuses the failed requests had', () => {
    const out = renderRolls([{ label: 'x', hosts: 1, batches: 1, ms: 1000, exitCode: 0, events: [], requests: 10, failed: 3, failedCodes: { '000': 2, '503': 1 } }]);
    expect(out[3]).toBe('x: 1 host(s) in 1 batch(es): 1.0 s (exit 0); client requests during the roll: 10, failed: 3 (000 x2, 503 x1)');
  });

  it('prints a block per roll', () => {
    const out = renderRolls([{ label: 'batch 1', hosts: 2, batches: 2, ms: 61_000, exitCode: 0, events: ev, requests: 400, failed: 0 }]);
    expect(out.slice(3, 7)).toEqual([
      'batch 1: 2 host(s) in 2 batch(es): 61.0 s (exit 0); client requests during the roll: 400, failed: 0',
      '  create       5.0 s total,   3.0 s slowest of 2',
      '  converge     8.5 s total,   7.0 s slowest of 2',
      '  gate             -',
    ]);
  });
});
