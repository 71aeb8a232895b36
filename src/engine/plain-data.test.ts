import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodePlainData, encodePlainData } from './plain-data.js';

const roundTrip = (v: unknown) => decodePlainData(encodePlainData(v)!);

describe('plain data to bytes and back', () => {
  it('keeps Maps, shared objects, undefined, NaN and the infinities', () => {
    const shared = { a: [1, 2] };
    const value = {
      m: new Map<string, unknown>([
        ['x', shared],
        ['y', { n: Number.NaN, inf: -Infinity, u: undefined }],
      ]),
      again: shared,
      big: 10n,
      s: 'é ✓',
    };
    const back = roundTrip(value) as typeof value;
    expect(isDeepStrictEqual(back, value)).toBe(true);
    expect(back.m.get('x')).toBe(back.again);
    expect(Object.hasOwn(back.m.get('y') as object, 'u')).toBe(true);
  });

  it('gives objects made without a prototype back without one, wherever they sit', () => {
    const vars = Object.assign(Object.create(null) as Record<string, unknown>, { constructor: 'a key', nested: Object.assign(Object.create(null), { x: 1 }) });
    const value = { list: [{ plain: true }, vars], map: new Map([['v', vars]]) };
    const back = roundTrip(value) as typeof value;
    const v = back.list[1] as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.getPrototypeOf(v.nested)).toBeNull();
    expect(Object.getPrototypeOf(back.list[0])).toBe(Object.prototype);
    expect(back.map.get('v')).toBe(v);
    expect('toString' in v).toBe(false);
    expect(isDeepStrictEqual(back, value)).toBe(true);
  });

  it('gives frozen objects back frozen', () => {
    const back = roundTrip({ f: Object.freeze({ a: 1 }), o: { b: 2 } }) as { f: object; o: object };
    expect(Object.isFrozen(back.f)).toBe(true);
    expect(Object.isFrozen(back.o)).toBe(false);
  });

  it('refuses what would not come back the same', () => {
    class Thing {
      x = 1;
    }
    for (const bad of [
      { t: new Thing() },
      { f: () => 1 },
      { d: new Date(0) },
      { r: /x/ },
      { b: Buffer.from('x') },
      { s: new Set([1]) },
      { [Symbol('k')]: 1 },
      Object.defineProperty({}, 'g', { get: () => 1, enumerable: true }),
      Object.defineProperty({}, 'h', { value: 1, enumerable: false }),
      new Map([['f', () => 1]]),
      [Symbol('x')],
    ]) {
      expect(encodePlainData(bad), String(Object.keys(bad))).toBeUndefined();
    }
  });

  it('refuses bytes it did not make', () => {
    expect(() => decodePlainData(Buffer.from('not v8 bytes'))).toThrow();
  });
});
