/**
 * Public API of the `when` / `changed_when` / `failed_when` expression language.
 *
 *   checkExpression(src)       load-time validation: syntax, and which top-level names it reads
 *   evaluate(src, scope)       the value
 *   evaluateBool(src, scope)   its truthiness (Python-like)
 *
 * Parsed trees are cached by source string: the same `when` is evaluated for every host.
 */
import { collectNames, type ParsedExpression } from './ast.js';
import { ExpressionError, formatOrigin } from './errors.js';
import { evaluateParsed, type Scope } from './evaluate.js';
import { parse } from './parser.js';
import { truthy } from './values.js';
import type { SourceLocation } from '../errors.js';

export { ExpressionError } from './errors.js';
export type { ParsedExpression } from './ast.js';
export type { Scope } from './evaluate.js';
export { truthy } from './values.js';

/** Enough for every distinct expression of a large play; cleared wholesale when full. */
const CACHE_LIMIT = 5000;
const cache = new Map<string, ParsedExpression | ExpressionError>();

/** Parse (or fetch from the cache). Throws ExpressionError (kind `syntax`). */
export function parseExpression(source: string): ParsedExpression {
  let entry = cache.get(source);
  if (entry === undefined) {
    try {
      const root = parse(source);
      entry = Object.freeze({ source, root, names: Object.freeze(collectNames(root)) });
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      entry = e;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, entry);
  }
  if (entry instanceof ExpressionError) throw entry;
  return entry;
}

export type CheckResult =
  | { ok: true; names: string[] }
  /** `message` holds the reason, the column and the expression with a caret; `reason` is the bare problem. */
  | { ok: false; message: string; reason: string; col: number };

/** Validate an expression at load time without evaluating it. */
export function checkExpression(source: string): CheckResult {
  try {
    return { ok: true, names: [...parseExpression(source).names] };
  } catch (e) {
    if (e instanceof ExpressionError) return { ok: false, message: e.message, reason: e.reason, col: e.col };
    throw e;
  }
}

export interface EvaluateOptions {
  /** Where the expression comes from (`roles/nginx/role.yaml:12:5`); prefixed to error messages. */
  origin?: string | SourceLocation;
}

/** Evaluate against a scope. Throws ExpressionError (syntax or evaluation). */
export function evaluate(expression: string | ParsedExpression, scope: Scope, options: EvaluateOptions = {}): unknown {
  try {
    const parsed = typeof expression === 'string' ? parseExpression(expression) : expression;
    return evaluateParsed(parsed, scope);
  } catch (e) {
    if (e instanceof ExpressionError && options.origin !== undefined) throw e.withOrigin(formatOrigin(options.origin));
    throw e;
  }
}

/** Evaluate and apply truthiness: empty string/list/map, 0, null and undefined are false. */
export function evaluateBool(expression: string | ParsedExpression, scope: Scope, options: EvaluateOptions = {}): boolean {
  return truthy(evaluate(expression, scope, options));
}
