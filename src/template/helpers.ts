/**
 * Template helpers: pure functions of their arguments, documented in templates/README.md.
 * Each checks its arguments and throws CallError with a plain message; the runtime adds the
 * helper name and the template position. Truthiness and equality are the expression
 * language's, so `{{#if x}}` and `when: x` agree.
 */
import { CallError } from '../expr/errors.js';
import { pluck, toInt } from '../expr/functions.js';
import { membership } from '../expr/membership.js';
import { describeType, equals, isPlainMap, preview, sizeOf, truthy } from '../expr/values.js';
import { quote } from '../shell/quote.js';

export type HelperImpl = (args: unknown[], hash: Readonly<Record<string, unknown>>) => unknown;

function arity(args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new CallError(`takes ${want} argument${want === '1' ? '' : 's'}, got ${args.length}`);
  }
}

function num(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const hint = typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? '; convert it with (int x)' : '';
  throw new CallError(`expects numbers, got ${describeType(v)} ${preview(v)}${hint}`);
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new CallError(`expects a string, got ${describeType(v)}`);
}

function indentLines(n: unknown, value: unknown, first: boolean): string {
  const width = num(n);
  if (!Number.isInteger(width) || width < 0) throw new CallError(`expects a width of 0 or more, got ${width}`);
  const pad = ' '.repeat(width);
  return text(value)
    .split('\n')
    .map((line, i) => ((i > 0 || first) && line.trim() !== '' ? pad + line : line))
    .join('\n');
}

function toJson(v: unknown, indent: number | undefined): string {
  if (v === undefined) throw new CallError('cannot print undefined as JSON');
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : x), indent);
}

export const HELPERS: Readonly<Record<string, HelperImpl>> = {
  eq: (a) => (arity(a, 2), equals(a[0], a[1])),
  ne: (a) => (arity(a, 2), !equals(a[0], a[1])),
  and: (a) => (arity(a, 2, Infinity), a.every(truthy)),
  or: (a) => (arity(a, 2, Infinity), a.some(truthy)),
  not: (a) => (arity(a, 1), !truthy(a[0])),
  default: (a) => (arity(a, 2), a[0] === undefined ? a[1] : a[0]),
  length: (a) => {
    arity(a, 1);
    const n = sizeOf(a[0]);
    if (n === undefined) throw new CallError(`expects a string, list or map, got ${describeType(a[0])}`);
    return n;
  },
  join: (a) => {
    arity(a, 2);
    const [list, sep] = a;
    if (!Array.isArray(list)) throw new CallError(`expects a list, got ${describeType(list)}`);
    return list.map(text).join(text(sep));
  },
  indent: (a, hash) => (arity(a, 2), indentLines(a[0], a[1], hash.first === true)),
  upper: (a) => (arity(a, 1), text(a[0]).toUpperCase()),
  lower: (a) => (arity(a, 1), text(a[0]).toLowerCase()),
  json: (a) => {
    arity(a, 1, 2);
    return toJson(a[0], a[1] === undefined ? undefined : num(a[1]));
  },
  quote: (a) => {
    arity(a, 1);
    const v = a[0];
    if (Array.isArray(v)) return v.map((x) => quote(text(x))).join(' ');
    return quote(text(v));
  },
  /** `includes list x`: the expression language's `x in list` (list item, substring or map key). */
  includes: (a) => {
    arity(a, 2);
    try {
      return membership(a[1], a[0], 'it');
    } catch (e) {
      throw new CallError(e instanceof Error ? e.message.replace(/^it /, '') : String(e));
    }
  },
  /** `pluck list key`: the `key` of every map of the list, as the expression language's pluck(). */
  pluck: (a) => {
    arity(a, 2);
    if (!Array.isArray(a[0])) throw new CallError(`expects a list of maps, got ${describeType(a[0])}`);
    return pluck(a[0], text(a[1]));
  },
  replace: (a) => (arity(a, 3), text(a[0]).replaceAll(text(a[1]), text(a[2]))),
  /** A list of the parts of `s` between each `sep` (e.g. the octets of an address). */
  split: (a) => {
    arity(a, 2);
    const sep = text(a[1]);
    if (sep === '') throw new CallError('expects a non-empty separator');
    return text(a[0]).split(sep);
  },
  /** Strings (or numbers) joined into one, e.g. to quote a "user:password" value as a whole. */
  concat: (a) => (arity(a, 1, Infinity), a.map(text).join('')),
  urlencode: (a) => (arity(a, 1), encodeURIComponent(text(a[0])).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)),
  int: (a) => {
    arity(a, 1);
    try {
      return toInt(a[0]);
    } catch (e) {
      throw new CallError(e instanceof Error ? e.message.replace(/^int\(\) /, '') : String(e));
    }
  },
  max: (a) => (arity(a, 1, Infinity), Math.max(...a.map(num))),
  min: (a) => (arity(a, 1, Infinity), Math.min(...a.map(num))),
  add: (a) => (arity(a, 2), num(a[0]) + num(a[1])),
  sub: (a) => (arity(a, 2), num(a[0]) - num(a[1])),
  /** Integer math for sizing from memory: the product is truncated toward zero. */
  mul: (a) => (arity(a, 2), Math.trunc(num(a[0]) * num(a[1]))),
  /** Integer division, rounded down. */
  div: (a) => {
    arity(a, 2);
    const d = num(a[1]);
    if (d === 0) throw new CallError('cannot divide by zero');
    return Math.floor(num(a[0]) / d);
  },
};

/**
 * How a plain `{{value}}` prints. Lists and maps are refused: in a config file they are almost
 * always a mistake, and `join` / `json` say what was meant.
 */
export function printable(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) throw new CallError('Cannot print a list; use {{join list ", "}} or {{json list}}');
  if (isPlainMap(v) || v instanceof Map) throw new CallError('Cannot print a map; use {{json map}} or name one of its keys');
  return String(v);
}
