/**
 * Plain data to bytes and back, exactly: V8's structured serialisation (Maps, shared references,
 * NaN and the infinities, undefined all survive, unlike JSON) plus what it drops, the objects made
 * without a prototype (`Object.create(null)`, which the loaders use so that a key such as
 * `constructor` is only ever a key) and frozen objects. Anything else that is not plain data
 * (a class instance, a function, a Date, a symbol key, a getter) makes `encodePlainData` answer
 * undefined: the caller then keeps nothing rather than something that would come back different.
 */
import { deserialize, serialize } from 'node:v8';

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'undefined', 'bigint']);

interface Encoded {
  value: unknown;
  /** Visit numbers (depth first, see `visit`) of the objects without a prototype. */
  nullProto: number[];
  /** Visit numbers of the frozen objects. */
  frozen: number[];
}

/**
 * Visits every object once (a shared one at its first place), depth first, in key order (Map
 * entries in insertion order): the same order for a value and its deserialised copy.
 */
function visit(root: unknown, each: (o: object, n: number) => boolean): boolean {
  const seen = new Set<object>();
  let n = 0;
  const walk = (v: unknown): boolean => {
    if (v === null) return true;
    if (typeof v !== 'object') return PRIMITIVES.has(typeof v);
    if (seen.has(v)) return true;
    seen.add(v);
    if (!each(v, n++)) return false;
    if (v instanceof Map) {
      for (const [k, x] of v) if (!walk(k) || !walk(x)) return false;
      return true;
    }
    for (const k of Object.keys(v)) if (!walk((v as Record<string, unknown>)[k])) return false;
    return true;
  };
  return walk(root);
}

/** Whether an object is one `encodePlainData` keeps as it is (its own values checked by `visit`). */
function plainObject(o: object): 'plain' | 'null' | false {
  const proto = Object.getPrototypeOf(o);
  if (proto === Map.prototype) return Object.getOwnPropertyNames(o).length === 0 ? 'plain' : false;
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(o).length > 0) return false;
  const descriptors = Object.getOwnPropertyDescriptors(o);
  for (const [k, d] of Object.entries(descriptors)) {
    if (Array.isArray(o) && k === 'length') continue;
    if (!('value' in d) || !d.enumerable) return false;
  }
  return proto === null ? 'null' : 'plain';
}

/** The bytes of a plain value, or undefined when it holds anything else (see the file's comment). */
export function encodePlainData(value: unknown): Buffer | undefined {
  const nullProto: number[] = [];
  const frozen: number[] = [];
  const ok = visit(value, (o, n) => {
    const kind = plainObject(o);
    if (!kind) return false;
    if (kind === 'null') nullProto.push(n);
    if (Object.isFrozen(o)) frozen.push(n);
    return true;
  });
  if (!ok) return undefined;
  const encoded: Encoded = { value, nullProto, frozen };
  return serialize(encoded);
}

/** The value `encodePlainData` made the bytes of. Throws on bytes it did not make. */
export function decodePlainData(bytes: Buffer): unknown {
  const encoded = deserialize(bytes) as Encoded;
  if (!encoded || typeof encoded !== 'object' || !Array.isArray(encoded.nullProto) || !Array.isArray(encoded.frozen)) throw new Error('not plain data bytes');
  const nullProto = new Set(encoded.nullProto);
  const frozen = new Set(encoded.frozen);
  if (nullProto.size > 0 || frozen.size > 0) {
    const freeze: object[] = [];
    visit(encoded.value, (o, n) => {
      if (nullProto.has(n)) Object.setPrototypeOf(o, null);
      // Frozen last (children first would not matter; the prototype must be set before).
      if (frozen.has(n)) freeze.push(o);
      return true;
    });
    for (const o of freeze) Object.freeze(o);
  }
  return encoded.value;
}
