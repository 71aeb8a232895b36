/**
 * Handlebars assumes every object has Object.prototype: with `../` paths or partials it compares
 * contexts with `!=`, which throws a TypeError (and loses the template position) when one side
 * is a null-prototype object and the other a string or number. Scopes are built with null
 * prototypes on purpose, so before a render the values are copied, where needed, into plain
 * objects. Copy-on-write: a subtree without null-prototype objects is passed as it is. Keys that
 * could reach a prototype are dropped on the way.
 */
import { BLOCKED_KEYS } from '../expr/values.js';

export function toHandlebarsValue(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  seen.set(value, value); // provisional: a cycle sees the original
  let result: unknown = value;
  if (Array.isArray(value)) {
    const items = value.map((v) => toHandlebarsValue(v, seen));
    if (items.some((v, i) => v !== value[i])) result = items;
  } else if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => [k, toHandlebarsValue(v, seen)] as const);
    if (entries.some(([k, v]) => v !== value.get(k))) result = new Map(entries);
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === null || proto === Object.prototype) {
      const entries = Object.entries(value).map(([k, v]) => [k, toHandlebarsValue(v, seen)] as const);
      const changed =
        proto === null || entries.some(([k, v]) => BLOCKED_KEYS.has(k) || v !== (value as Record<string, unknown>)[k]);
      if (changed) {
        const copy: Record<string, unknown> = {};
        for (const [k, v] of entries) {
          if (!BLOCKED_KEYS.has(k)) Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true });
        }
        result = copy;
      }
    }
  }
  seen.set(value, result);
  return result;
}
