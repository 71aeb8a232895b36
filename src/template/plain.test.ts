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

describe('toHandlebarsValue: what cannot change is copied once', () => {
  const frozenVars = () => {
    const host = Object.freeze(Object.assign(Object.create(null), { address: '10.0.0.1', tags: Object.freeze(['a', 'b']) }));
    return Object.freeze(Object.assign(Object.create(null), { web1: host }));
  };

  it('hands the same frozen copy to every render of a subtree frozen throughout', () => {
    const hostvars = frozenVars();
    const a = toHandlebarsValue({ hostvars, n: 1 }) as { hostvars: Record<string, unknown> };
    const b = toHandlebarsValue({ hostvars, n: 2 }) as { hostvars: Record<string, unknown> };
    expect(a.hostvars).toBe(b.hostvars);
    expect(a.hostvars).not.toBe(hostvars);
    expect(Object.getPrototypeOf(a.hostvars)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(a.hostvars.web1)).toBe(Object.prototype);
    expect(Object.isFrozen(a.hostvars) && Object.isFrozen(a.hostvars.web1)).toBe(true);
    expect(a.hostvars.web1).toEqual({ address: '10.0.0.1', tags: ['a', 'b'] });
  });

  it('copies again a frozen object whose values can still change', () => {
    const inner = Object.assign(Object.create(null), { port: 80 });
    const outer = Object.freeze(Object.assign(Object.create(null), { site: inner }));
    const first = toHandlebarsValue(outer) as { site: { port: number } };
    inner.port = 8080;
    const second = toHandlebarsValue(outer) as { site: { port: number } };
    expect(first.site.port).toBe(80);
    expect(second.site.port).toBe(8080);
  });

  it('never keeps a Map (frozen or not, its entries can change)', () => {
    const m = Object.freeze(new Map<string, unknown>([['k', Object.assign(Object.create(null), { v: 1 })]]));
    const first = toHandlebarsValue(m) as Map<string, { v: number }>;
    m.set('k', Object.assign(Object.create(null), { v: 2 }));
    expect((toHandlebarsValue(m) as Map<string, { v: number }>).get('k')!.v).toBe(2);
    expect(first.get('k')!.v).toBe(1);
  });
});
