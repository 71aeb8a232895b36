import { describe, it, expect } from 'vitest';
import { planBatches, judgeBatch, type RolloutUnit } from './plan.js';

const unit = (name: string, hosts: string[], serial: (number | string)[], extra: Partial<RolloutUnit> = {}): RolloutUnit => ({
  name,
  hosts,
  serial,
  rolling: serial.length > 0 || extra.maxFailPercentage !== undefined,
  source: `group "${name}"`,
  ...extra,
});
const order = ['front1', 'web1', 'web2', 'web3', 'web4', 'db1'];

describe('planBatches', () => {
  it('runs batch k of every unit together, hosts of no rolling group in batch 1', () => {
    const batches = planBatches([unit('web', ['web1', 'web2', 'web3', 'web4'], [1, '50%']), unit('', ['front1', 'db1'], [])], order);
    expect(batches.map((b) => [b.index, b.hosts])).toEqual([
      [1, ['front1', 'web1', 'db1']],
      [2, ['web2', 'web3']],
      [3, ['web4']],
    ]);
    expect(batches[0]!.parts.map((p) => [p.unit.name, p.hosts])).toEqual([
      ['web', ['web1']],
      ['', ['front1', 'db1']],
    ]);
  });

  it('gives one batch of every host when nothing rolls, and none for no host', () => {
    expect(planBatches([unit('', order, [])], order).map((b) => b.hosts)).toEqual([order]);
    expect(planBatches([], order)).toEqual([]);
    expect(planBatches([unit('web', [], [1])], order)).toEqual([]);
  });

  it('keeps every host exactly once', () => {
    const batches = planBatches([unit('web', ['web1', 'web2', 'web3'], [2]), unit('db', ['db1'], [1]), unit('', ['front1', 'web4'], [])], order);
    expect(batches.flatMap((b) => b.hosts).sort()).toEqual([...order].sort());
  });
});

describe('judgeBatch', () => {
  const web = unit('web', ['web1', 'web2', 'web3', 'web4'], [2], { maxFailPercentage: 50 });
  const [b1] = planBatches([web], order);

  it('max_fail_percentage must be exceeded, not reached', () => {
    expect(judgeBatch(b1!, new Set(['web1']), 2)).toBeUndefined(); // 1 of 2 = 50%: not more than 50
    expect(judgeBatch(b1!, new Set(['web1', 'web2']), 2)).toBe('Rollout stopped after batch 1 of 2: group "web": 2 of 2 host(s) of this batch failed (web1, web2), more than max_fail_percentage 50');
  });

  it('max_fail_percentage 0 stops at the first failure; 100 never stops, even when the whole batch failed', () => {
    const strict = planBatches([unit('web', ['web1', 'web2'], [2], { maxFailPercentage: 0 })], order)[0]!;
    expect(judgeBatch(strict, new Set(['web2']), 1)).toMatch(/1 of 2 host\(s\) of this batch failed \(web2\), more than max_fail_percentage 0$/);
    const lax = planBatches([unit('web', ['web1', 'web2'], [2], { maxFailPercentage: 100 })], order)[0]!;
    expect(judgeBatch(lax, new Set(['web1', 'web2']), 1)).toBeUndefined();
  });

  it('without max_fail_percentage, a rolling unit stops only when its whole batch failed', () => {
    const b = planBatches([unit('web', ['web1', 'web2', 'web3'], [2])], order)[0]!;
    expect(judgeBatch(b, new Set(['web1']), 2)).toBeUndefined();
    expect(judgeBatch(b, new Set(['web1', 'web2']), 2)).toBe('Rollout stopped after batch 1 of 2: group "web": 2 of 2 host(s) of this batch failed (web1, web2), and no max_fail_percentage is set');
  });

  it('failures of hosts outside rolling units, or outside the batch, do not count', () => {
    const b = planBatches([unit('web', ['web1', 'web2'], [1], { maxFailPercentage: 0 }), unit('', ['db1'], [])], order)[0]!;
    expect(b.hosts).toEqual(['web1', 'db1']);
    expect(judgeBatch(b, new Set(['db1', 'web2']), 2)).toBeUndefined();
  });

  it('names every unit that broke its budget', () => {
    const b = planBatches([unit('web', ['web1'], [1], { maxFailPercentage: 0 }), unit('db', ['db1'], [1], { maxFailPercentage: 0 })], order)[0]!;
    expect(judgeBatch(b, new Set(['web1', 'db1']), 1)).toBe(
      'Rollout stopped after batch 1 of 1: group "web": 1 of 1 host(s) of this batch failed (web1), more than max_fail_percentage 0; group "db": 1 of 1 host(s) of this batch failed (db1), more than max_fail_percentage 0',
    );
  });
});
