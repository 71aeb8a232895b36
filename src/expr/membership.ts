/**
 * `needle in haystack`: list membership (structural equality), substring, or map key. Shared by
 * the `in` operator and `contains()` so both mean the same thing.
 */
import { CallError } from './errors.js';
import { describeType, equals, isPlainMap, lookupKey } from './values.js';

export function membership(needle: unknown, haystack: unknown, what: string): boolean {
  if (Array.isArray(haystack)) return haystack.some((x) => equals(x, needle));
  if (typeof haystack === 'string') {
    if (typeof needle !== 'string') throw new CallError(`${what} cannot look for ${describeType(needle)} in a string`);
    return haystack.includes(needle);
  }
  if (isPlainMap(haystack) || haystack instanceof Map) {
    if (typeof needle !== 'string' && typeof needle !== 'number') {
      throw new CallError(`${what} cannot look for ${describeType(needle)} among the keys of a map`);
    }
    return lookupKey(haystack, String(needle)).found;
  }
  throw new CallError(`${what} needs a list, string or map to search in, got ${describeType(haystack)}`);
}
