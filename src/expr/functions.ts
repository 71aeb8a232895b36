/**
 * The only functions an expression can call. Each is pure and checks its argument types, so a
 * wrong type is a clear message ("lower() expects a string, got a number") instead of a silent
 * coercion. `default(x, y)` is special in the evaluator: `x` may be undefined there.
 */
import type { FunctionName } from './ast.js';
import { compareDebianVersions, VERSION_OPERATORS } from './version.js';
import { CallError } from './errors.js';
import { membership } from './membership.js';
import { describeType, preview, sizeOf } from './values.js';

export const FUNCTION_NAMES: readonly FunctionName[] = ['length', 'lower', 'upper', 'startswith', 'endswith', 'contains', 'int', 'bool', 'default', 'version_compare', 'pluck'];

export const FUNCTION_ARITY: Readonly<Record<FunctionName, number>> = {
  length: 1,
  lower: 1,
  upper: 1,
  startswith: 2,
  endswith: 2,
  contains: 2,
  int: 1,
  bool: 1,
  default: 2,
  version_compare: 3,
  pluck: 2,
};

function str(fn: string, v: unknown): string {
  if (typeof v !== 'string') throw new CallError(`${fn}() expects a string, got ${describeType(v)}`);
  return v;
}

export function toInt(v: unknown, fn = 'int'): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(v)) return Math.trunc(Number(v));
  throw new CallError(`${fn}() cannot convert ${typeof v === 'string' ? preview(v) : describeType(v)} to an integer`);
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', 'n', '0', '']);

export function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const w = v.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
    throw new CallError(`bool() cannot convert ${preview(v)} to a boolean`);
  }
  throw new CallError(`bool() expects a boolean, number or string, got ${describeType(v)}`);
}

function versionString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new CallError(`version_compare() expects versions as strings, got ${describeType(v)}`);
}

/**
 * The `key` of every map of a list (maps without it are skipped), e.g. the names of the remotes
 * a job may name: `item.remote in pluck(rclone_remotes, 'name')`. Also the template helper `pluck`.
 */
export function pluck(list: unknown, key: unknown): unknown[] {
  if (!Array.isArray(list)) throw new CallError(`pluck() expects a list of maps, got ${describeType(list)}`);
  const k = str('pluck', key);
  return list.filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object' && !Array.isArray(m) && Object.hasOwn(m, k)).map((m) => m[k]);
}

/** Implementations; `args.length` was checked by the parser. */
export const FUNCTIONS: Readonly<Record<FunctionName, (args: unknown[]) => unknown>> = {
  length: ([x]) => {
    const n = sizeOf(x);
    if (n === undefined) throw new CallError(`length() expects a string, list or map, got ${describeType(x)}`);
    return n;
  },
  lower: ([s]) => str('lower', s).toLowerCase(),
  upper: ([s]) => str('upper', s).toUpperCase(),
  startswith: ([s, p]) => str('startswith', s).startsWith(str('startswith', p)),
  endswith: ([s, p]) => str('endswith', s).endsWith(str('endswith', p)),
  contains: ([a, b]) => membership(b, a, 'contains()'),
  int: ([x]) => toInt(x),
  bool: ([x]) => toBool(x),
  default: ([x, y]) => (x === undefined ? y : x),
  version_compare: ([a, op, b]) => {
    const test = typeof op === 'string' ? VERSION_OPERATORS[op] : undefined;
    if (!test || !Object.hasOwn(VERSION_OPERATORS, op as string)) {
      throw new CallError(`version_compare() operator must be one of ${Object.keys(VERSION_OPERATORS).join(' ')}, got ${preview(op)}`);
    }
    return test(compareDebianVersions(versionString(a), versionString(b)));
  },
  pluck: ([list, key]) => pluck(list, key),
};
