import { describe, expect, it } from 'vitest';
import { toHandlebarsValue } from './plain.js';

describe('toHandlebarsValue', () => {
  it('passes plain data through untouched (same references)', () => {
    const data = { a: [1, { b: 'x' }], m: new Map([['k', { v: 1 }]]) };
    expect(toHandlebarsValue(data)).toBe(data);
  });

  it('copies null-prototype objects (and their parents) into plain objects', () => {
    const inner = Object.assign(Object.create(null), { name: 'web1' });
    const shared = { untouched: true };
    const data = { hosts: [inner], other: shared };
    const out = toHandlebarsValue(data) as { hosts: Record<string, unknown>[]; other: unknown };
    expect(out).not.toBe(data);
    expect(Object.getPrototypeOf(out.hosts[0])).toBe(Object.prototype);
    expect(out.hosts[0]).toEqual({ name: 'web1' });
    expect(out.other).toBe(shared);
    expect(Object.getPrototypeOf(inner)).toBeNull();
  });

  it('drops keys that could reach a prototype, and survives cycles', () => {
    const o = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2, "ok": 3}');
    const scope = Object.assign(Object.create(null), { o });
    scope.self = scope;
    const out = toHandlebarsValue(scope) as Record<string, Record<string, unknown>>;
    expect(Object.keys(out.o!)).toEqual(['ok']);
    expect(out.self).toBeDefined();
  });
});
