import { describe, expect, it } from 'vitest';
import { formatPlan, parseAmount, parseCheckpoints, planRollout, type Controls, type PlanHost } from './plan.js';

const hosts = (n: number, image = 'g1'): PlanHost[] => Array.from({ length: n }, (_, i) => ({ name: `web-${i + 1}`, image }));
const c = (over: Partial<Controls> = {}): Controls => ({ batch: [1], checkpoints: [], ...over });
const shape = (p: ReturnType<typeof planRollout>) => p.batches.map((b) => [b.replace.join('+'), b.surge, b.outFirst.join('+'), b.pauseAt ?? '-']);

describe('planRollout', () => {
  it('batch 1, default controls: one new host serves before each old one leaves', () => {
    const p = planRollout('web', hosts(3), 'g2', c());
    expect(p).toMatchObject({ size: 3, minHealthy: 3, maxSurge: Infinity, skip: [], notes: [] });
    expect(shape(p)).toEqual([
      ['web-1', 1, '', '-'],
      ['web-2', 1, '', '-'],
      ['web-3', 1, '', '-'],
    ]);
  });

  it('batch 50%: half at a time, all surge', () => {
    expect(shape(planRollout('web', hosts(4), 'g2', c({ batch: ['50%'] })))).toEqual([
      ['web-1+web-2', 2, '', '-'],
      ['web-3+web-4', 2, '', '-'],
    ]);
  });

  it('hosts already on the target image are left alone (a re-run does only what is left)', () => {
    const p = planRollout(
      'web',
      [
        { name: 'a', image: 'g2' },
        { name: 'b', image: 'g1' },
        { name: 'c', image: 'g2' },
      ],
      'g2',
      c(),
    );
    expect(p.skip).toEqual(['a', 'c']);
    expect(shape(p)).toEqual([['b', 1, '', '-']]);
    expect(planRollout('web', hosts(2, 'g2'), 'g2', c()).batches).toEqual([]);
  });

  it('no surge: old hosts leave first, as many as --min-healthy allows; larger batches are split', () => {
    const p = planRollout('web', hosts(4), 'g2', c({ batch: ['50%'], maxSurge: 0, minHealthy: '75%' }));
    expect(p.minHealthy).toBe(3);
    expect(shape(p)).toEqual([
      ['web-1', 0, 'web-1', '-'],
      ['web-2', 0, 'web-2', '-'],
      ['web-3', 0, 'web-3', '-'],
      ['web-4', 0, 'web-4', '-'],
    ]);
    expect(p.notes).toEqual(['batches of up to 2 split into batches of at most 1 to keep 3 of 4 hosts serving (max surge 0)']);
  });

  it('a surge of 1 with 100% healthy caps batches at 1; a surge of 1 with 50% healthy allows 3 (1 made first, 2 out first)', () => {
    expect(shape(planRollout('web', hosts(4), 'g2', c({ batch: ['100%'], maxSurge: 1 })))).toEqual([
      ['web-1', 1, '', '-'],
      ['web-2', 1, '', '-'],
      ['web-3', 1, '', '-'],
      ['web-4', 1, '', '-'],
    ]);
    expect(shape(planRollout('web', hosts(4), 'g2', c({ batch: [3], maxSurge: 1, minHealthy: '50%' })))).toEqual([
      ['web-1+web-2+web-3', 1, 'web-2+web-3', '-'],
      ['web-4', 1, '', '-'],
    ]);
  });

  it('--min-healthy 100% with no surge cannot make progress: refused', () => {
    expect(() => planRollout('web', hosts(2), 'g2', c({ maxSurge: 0, minHealthy: '100%' }))).toThrow(
      'No batch can proceed: --min-healthy 100% keeps all 2 hosts of group "web" serving and --max-surge 0 makes no new host before an old one leaves; allow a surge (--max-surge 1) or lower --min-healthy',
    );
    expect(() => planRollout('web', hosts(2), 'g2', c({ minHealthy: 3 }))).toThrow('--min-healthy 3 asks for 3 serving hosts, but group "web" has 2');
  });

  it('--batch 0 is refused', () => {
    expect(() => planRollout('web', hosts(2), 'g2', c({ batch: [0] }))).toThrow('Batch size 0 is not valid');
  });

  it("checkpoints pause after the batch that reaches them (never after the last), counted from the roll's start", () => {
    expect(shape(planRollout('web', hosts(4), 'g2', c({ checkpoints: [25, 50] })))).toEqual([
      ['web-1', 1, '', 25],
      ['web-2', 1, '', 50],
      ['web-3', 1, '', '-'],
      ['web-4', 1, '', '-'],
    ]);
    // Two checkpoints reached by one batch: one pause.
    expect(shape(planRollout('web', hosts(4), 'g2', c({ batch: ['50%'], checkpoints: [25, 50] })))).toEqual([
      ['web-1+web-2', 2, '', 50],
      ['web-3+web-4', 2, '', '-'],
    ]);
    // Resumed after the 25% pause: 1 of 4 done, 25 passed; the next pause is at 50%.
    const resumed = planRollout(
      'web',
      [
        { name: 'web-2', image: 'g1' },
        { name: 'web-3', image: 'g1' },
        { name: 'web-4', image: 'g1' },
        { name: 'new', image: 'g2' },
      ],
      'g2',
      c({ checkpoints: [25, 50] }),
      { done: 1, total: 4, passed: [25] },
    );
    expect(shape(resumed)).toEqual([
      ['web-2', 1, '', 50],
      ['web-3', 1, '', '-'],
      ['web-4', 1, '', '-'],
    ]);
  });

  it('parses the command line values', () => {
    expect(parseCheckpoints('25%, 50%')).toEqual([25, 50]);
    expect(() => parseCheckpoints('25%,100%')).toThrow('--checkpoints takes percentages from 1% to 99% such as "25%,50%", not "100%"');
    expect(() => parseCheckpoints('25%,25%')).toThrow('lists a percentage twice');
    expect(parseAmount('2', '--max-surge')).toBe(2);
    expect(parseAmount('25%', '--max-surge')).toBe('25%');
    expect(() => parseAmount('two', '--max-surge')).toThrow('--max-surge takes a number of hosts or a percentage such as "25%", not "two"');
    expect(() => planRollout('web', hosts(2), 'g2', c({ minHealthy: '150%' }))).toThrow('--min-healthy takes a percentage from 0% to 100%, not "150%"');
  });

  it('prints the plan for --dry-run', () => {
    const p = planRollout('web', [...hosts(2), { name: 'web-9', image: 'g2' }], 'g2', c({ checkpoints: [50] }));
    expect(formatPlan(p, { soakSeconds: 10, warmupSeconds: 0 })).toBe(
      [
        'Rolling upgrade of group "web" to image g2: 3 host(s), 2 to replace, at least 3 serving at every moment',
        '  already on g2 (left alone): web-9',
        '  batch 1/2: make 1 host(s) from g2, converge, gate, serve (warmup 0 s, soak 10 s); drain and destroy web-1; pause at checkpoint 50% (wpha upgrade --continue)',
        '  batch 2/2: make 1 host(s) from g2, converge, gate, serve (warmup 0 s, soak 10 s); drain and destroy web-2',
        '',
      ].join('\n'),
    );
  });
});
