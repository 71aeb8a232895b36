import { describe, it, expect } from 'vitest';
import { resourcesOverlap, pendingRegisters, skippedBeforeRegisters } from './steps.js';
import type { TaskSpec } from '../model.js';

describe('stale probes: resource overlap', () => {
  it.each([
    [['/etc/nginx/site.conf'], ['/etc/nginx/site.conf'], true],
    [['/var/www/shop/health.php'], ['/var/www/shop'], true],
    [['/var/www/shop'], ['/var/www/shop/health.php'], true],
    [['/var/www/shopping'], ['/var/www/shop'], false],
    [['unit:nginx.service'], ['unit:nginx.service'], true],
    [['unit:nginx.service'], ['pkg:nginx'], false],
    [['/etc/a'], [], false],
  ])('%j vs %j -> %s', (a, b, expected) => {
    expect(resourcesOverlap(a, new Set(b))).toBe(expected);
  });
});

/** A copy task, as loading makes it, with `over` on top. */
const task = (over: Partial<TaskSpec>): TaskSpec => ({
  id: 'r/0',
  role: 'r',
  name: 't',
  op: 'copy',
  args: {},
  loopVar: 'item',
  notify: [],
  tags: [],
  runOnce: false,
  location: { file: 'f', line: 1, col: 1 },
  ...over,
});

describe('tasks that read a register not known yet', () => {
  it.each([
    [task({ when: 'init_result.rc == 0' }), ['init_result'], ['init_result']],
    [task({ args: { content: '{{ init_result.stdout }}' } }), ['init_result'], ['init_result']],
    [task({ loop: '{{ listing.stdout_lines }}' }), ['listing', 'other'], ['listing']],
    [task({ when: 'my_init_result_x' }), ['init_result'], []],
    [task({ when: 'facts.cpus > 1' }), ['init_result'], []],
  ])('%#', (t, pending, expected) => {
    expect(pendingRegisters(t, new Set(pending))).toEqual(expected);
  });
});

describe('skippedBeforeRegisters', () => {
  // A task whose arguments read the pending register.
  const reads = (over: Partial<TaskSpec>): TaskSpec => task({ args: { content: '{{ optional.rc }}' }, ...over });
  const pending = new Set(['optional']);
  it('is true for a when that is false now and reads no pending register', () => {
    expect(skippedBeforeRegisters(reads({ when: 'drill' }), { drill: false }, pending)).toBe(true);
  });
  it('is false when the when holds, reads a pending register, is absent, or the task loops', () => {
    expect(skippedBeforeRegisters(reads({ when: 'drill' }), { drill: true }, pending)).toBe(false);
    expect(skippedBeforeRegisters(reads({ when: 'optional.rc == 0' }), {}, pending)).toBe(false);
    expect(skippedBeforeRegisters(reads({}), {}, pending)).toBe(false);
    expect(skippedBeforeRegisters(reads({ when: 'drill', loop: [1, 2] }), { drill: false }, pending)).toBe(false);
  });
  it('leaves a when that cannot be judged to the expansion, which reports it', () => {
    expect(skippedBeforeRegisters(reads({ when: 'undefined_thing' }), {}, pending)).toBe(false);
  });
});
