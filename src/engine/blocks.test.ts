import { describe, expect, it } from 'vitest';
import type { BlockFrame, TaskSpec } from '../model.js';
import { BlockFlow, blockRanges } from './blocks.js';

const at = { file: 'role.yaml', line: 1, col: 1 };
const task = (name: string, ...blocks: [string, BlockFrame['section'], boolean][]): TaskSpec => ({
  id: name,
  role: 'r',
  name,
  op: 'command',
  args: {},
  loopVar: 'item',
  notify: [],
  tags: [],
  runOnce: false,
  location: at,
  ...(blocks.length ? { blocks: blocks.map(([id, section, hasRescue]) => ({ id, section, hasRescue })) } : {}),
});

// 0 before | B: 1 b1, 2 b2 | rescue: 3 r1 | always: 4 a1 | 5 after
const play = [task('before'), task('b1', ['B', 'block', true]), task('b2', ['B', 'block', true]), task('r1', ['B', 'rescue', true]), task('a1', ['B', 'always', true]), task('after')];
// O: 0 o1, I: 1 i1 | always of I: 2 ia | rescue of O: 3 or | 4 after
const nested = [
  task('o1', ['O', 'block', true]),
  task('i1', ['O', 'block', true], ['I', 'block', false]),
  task('ia', ['O', 'block', true], ['I', 'always', false]),
  task('or', ['O', 'rescue', true]),
  task('after'),
];

describe('block flow', () => {
  it('finds where each section starts and where the block ends', () => {
    expect(blockRanges(play).get('B')).toEqual({ rescue: 3, always: 4, end: 5, parents: [] });
    expect(blockRanges(nested).get('I')).toEqual({ always: 2, end: 3, parents: [{ id: 'O', section: 'block', hasRescue: true }] });
  });

  it('a failure in block goes to rescue (which then runs); rescue tasks are inactive otherwise', () => {
    const f = new BlockFlow(play);
    expect(f.inactive(3)).toBe(true);
    expect(f.rescuable(1)).toBe(true);
    expect(f.rescuable(3)).toBe(false);
    expect(f.onFailure(1)).toBe(3);
    expect(f.inactive(3)).toBe(false);
    expect(f.dueAt(5)).toBe(false);
  });

  it('a failure in rescue runs always, then the host fails', () => {
    const f = new BlockFlow(play);
    f.onFailure(2);
    expect(f.onFailure(3)).toBe(4);
    expect(f.dueAt(4)).toBe(false);
    expect(f.dueAt(5)).toBe(true);
    expect(f.resume()).toBeUndefined();
  });

  it('a failure in always, or outside any block, fails the host', () => {
    expect(new BlockFlow(play).onFailure(4)).toBeUndefined();
    expect(new BlockFlow(play).onFailure(0)).toBeUndefined();
    expect(new BlockFlow(play).rescuable(5)).toBe(false);
  });

  it('without rescue, always runs and the failure goes on to the outer block, whose rescue takes it', () => {
    const f = new BlockFlow(nested);
    expect(f.rescuable(1)).toBe(true); // the outer block rescues
    expect(f.onFailure(1)).toBe(2); // I's always first
    expect(f.dueAt(2)).toBe(false);
    expect(f.dueAt(3)).toBe(true);
    expect(f.resume()).toBe(3); // then O's rescue
    expect(f.inactive(3)).toBe(false);
    expect(f.dueAt(4)).toBe(false);
  });

  it('a failure in an inner always goes straight to the outer rescue, and the inner block is no longer due', () => {
    const f = new BlockFlow(nested);
    f.onFailure(1);
    expect(f.onFailure(2)).toBe(3);
    expect(f.dueAt(4)).toBe(false);
  });
});
