import { describe, it, expect } from 'vitest';
import { chainedHandlers, handlerReach, nextHandlerBatch } from './handler-order.js';

/** A notify graph by handler index. */
const graph = (edges: Record<number, number[]>) => (h: number) => edges[h] ?? [];

describe('handlerReach', () => {
  it('follows notify lists through other handlers, and stops at a circle', () => {
    const reach = handlerReach(graph({ 0: [1], 1: [2], 3: [4], 4: [3] }));
    expect(reach(0, 1)).toBe(true);
    expect(reach(0, 2)).toBe(true);
    expect(reach(2, 0)).toBe(false);
    expect(reach(1, 0)).toBe(false);
    expect(reach(3, 4)).toBe(true);
    expect(reach(4, 3)).toBe(true);
    expect(reach(3, 3)).toBe(true);
    expect(reach(5, 0)).toBe(false);
  });
});

describe('nextHandlerBatch', () => {
  it('runs every due handler at once when none notifies another', () => {
    expect(nextHandlerBatch(new Set([2, 0, 1]), handlerReach(graph({})))).toEqual([0, 1, 2]);
  });

  it('holds back a handler another due handler may notify, even one defined before it or reached through a handler not due', () => {
    // 2 notifies 0 directly; 1 notifies 3 through 4 (not due).
    const reach = handlerReach(graph({ 2: [0], 1: [4], 4: [3] }));
    expect(nextHandlerBatch(new Set([0, 1, 2, 3]), reach)).toEqual([1, 2]);
    // Once 1 and 2 ran, what they notified is due alone.
    expect(nextHandlerBatch(new Set([0, 3]), reach)).toEqual([0, 3]);
  });

  it('moves on through a circle: the first by definition order goes alone', () => {
    const reach = handlerReach(graph({ 1: [2], 2: [1] }));
    expect(nextHandlerBatch(new Set([2, 1]), reach)).toEqual([1]);
  });
});

describe('chainedHandlers', () => {
  it('names, for each handler the due ones may bring in, the first that notifies it', () => {
    const chained = chainedHandlers(new Set([0, 3]), graph({ 0: [1, 4], 1: [2], 3: [4, 0], 2: [0] }));
    expect([...chained].sort(([a], [b]) => a - b)).toEqual([
      [1, 0],
      [2, 1],
      [4, 0],
    ]);
  });

  it('brings in nothing when no due handler notifies', () => {
    expect(chainedHandlers(new Set([0]), graph({ 1: [2] })).size).toBe(0);
  });
});
