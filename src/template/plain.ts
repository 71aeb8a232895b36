/**
 * Handlebars assumes every object has Object.prototype: with `../` paths or partials it compares
 * contexts with `!=`, which throws a TypeError (and loses the template position) when one side
 * is a null-prototype object and the other a string or number. Scopes are built with null
 * prototypes on purpose, so before a render the values are copied, where needed, into plain
 * objects. Copy-on-write: a subtree without null-prototype objects is passed as it is. Keys that
 * could reach a prototype are dropped on the way.
 *
 * A subtree that cannot change (frozen, down to its last object: a run's `hostvars` and `groups`,
 * the same for every task of every host) is copied once per process and its copy handed to every
 * later render: ~0.7 ms per render of the lab stack's templates that need plain values, ~60 ms of
 * a no-op's controller time (docs/startup.md).
 */
import { BLOCKED_KEYS } from '../expr/values.js';

/** Subtrees frozen down to their last object, each with its (frozen) copy. */
const unchanging = new WeakMap<object, unknown>();

/** Whether a value can never change: a primitive, or an object `toHandlebarsValue` found frozen throughout. */
const settled = (v: unknown): boolean => v === null || typeof v !== 'object' || unchanging.has(v);

export function toHandlebarsValue(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  const kept = unchanging.get(value);
  if (kept !== undefined) return kept;
  const done = seen.get(value);
  if (done !== undefined) return done;
  seen.set(value, value); // provisional: a cycle sees the original
  let result: unknown = value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = toHandlebarsValue(value[i], seen);
      if (v !== value[i]) copy ??= value.slice();
      if (copy) copy[i] = v;
    }
    if (copy) result = copy;
  } else if (value instanceof Map) {
    let copy: Map<unknown, unknown> | undefined;
    for (const [k, v] of value) {
      const w = toHandlebarsValue(v, seen);
      if (w !== v) (copy ??= new Map(value)).set(k, w);
    }
    if (copy) result = copy;
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === null || proto === Object.prototype) result = plainObject(value as Record<string, unknown>, proto === null, seen);
  }
  seen.set(value, result);
  // A Map can change even when frozen; anything else frozen whose values cannot change either is
  // kept (a value still being copied, in a cycle, is not settled: nothing is kept then).
  if (Object.isFrozen(value) && !(value instanceof Map) && Object.values(value).every(settled)) {
    if (result !== value) Object.freeze(result);
    unchanging.set(value, result);
  }
  return result;
}

function plainObject(obj: Record<string, unknown>, mustCopy: boolean, seen: Map<object, unknown>): Record<string, unknown> {
  const keys = Object.keys(obj);
  const values = keys.map((k) => toHandlebarsValue(obj[k], seen));
  if (!mustCopy && keys.every((k, i) => values[i] === obj[k] && !BLOCKED_KEYS.has(k))) return obj;
  const copy: Record<string, unknown> = {};
  keys.forEach((k, i) => {
    if (!BLOCKED_KEYS.has(k)) Object.defineProperty(copy, k, { value: values[i], enumerable: true, writable: true, configurable: true });
  });
  return copy;
}
