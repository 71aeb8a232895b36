/**
 * Value semantics shared by expressions and templates: what counts as a map, truthiness,
 * equality, and safe member access.
 *
 * Safe access is the security boundary: a lookup only ever sees OWN properties of plain objects
 * (prototype Object.prototype or null), entries of Maps, and integer indexes of arrays. Names
 * like `constructor` or `__proto__` are missing even when an object really holds them, so no
 * expression or template can reach Object, Function or a prototype.
 */

export const BLOCKED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** "a number", "a list", "null": how values are named in messages. */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'a list';
  if (isPlainMap(v) || v instanceof Map) return 'a map';
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'unknown'})`;
  return `a ${typeof v}`;
}

/** Python-like truthiness: empty string/list/map, 0, null and undefined are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  if (isPlainMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** Structural equality without coercion: 1 == '1' is false, [1, 2] == [1, 2] is true. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  const ma = asEntries(a);
  const mb = asEntries(b);
  if (ma && mb) {
    if (ma.size !== mb.size) return false;
    for (const [k, v] of ma) if (!mb.has(k) || !equals(v, mb.get(k))) return false;
    return true;
  }
  return false;
}

function asEntries(v: unknown): Map<unknown, unknown> | undefined {
  if (v instanceof Map) return v;
  if (isPlainMap(v)) return new Map(Object.entries(v));
  return undefined;
}

export type LookupResult =
  | { found: true; value: unknown }
  /** The container is fine but has no such key; `keys` are candidates for "did you mean". */
  | { found: false; why: 'missing'; keys: string[] }
  /** The value cannot be looked into (null, number, string, other objects). */
  | { found: false; why: 'not-container'; type: string }
  /** A list indexed with something other than an integer. */
  | { found: false; why: 'bad-index'; type: string };

/** Own-property lookup, the only way expressions and templates read into values. */
export function lookupKey(container: unknown, key: string | number): LookupResult {
  if (Array.isArray(container)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) return { found: false, why: 'bad-index', type: describeType(key) };
    const i = key < 0 ? container.length + key : key;
    if (i >= 0 && i < container.length) return { found: true, value: container[i] };
    return { found: false, why: 'missing', keys: [] };
  }
  const name = String(key);
  if (container instanceof Map) {
    if (!BLOCKED_KEYS.has(name) && container.has(name)) return { found: true, value: container.get(name) };
    return { found: false, why: 'missing', keys: [...container.keys()].filter((k): k is string => typeof k === 'string' && !BLOCKED_KEYS.has(k)) };
  }
  if (isPlainMap(container)) {
    if (!BLOCKED_KEYS.has(name) && Object.hasOwn(container, name)) return { found: true, value: container[name] };
    return { found: false, why: 'missing', keys: Object.keys(container).filter((k) => !BLOCKED_KEYS.has(k)) };
  }
  return { found: false, why: 'not-container', type: describeType(container) };
}

/** Number of items of a string, list or map; undefined for anything else. */
export function sizeOf(v: unknown): number | undefined {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (isPlainMap(v)) return Object.keys(v).length;
  return undefined;
}

/** Compact rendering of a value inside a message (strings quoted). */
export function preview(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (v === undefined) return 'undefined';
  try {
    const s = JSON.stringify(v instanceof Map ? Object.fromEntries(v) : v) ?? String(v);
    return s.length > 40 ? `${s.slice(0, 37)}...` : s;
  } catch {
    return describeType(v);
  }
}
