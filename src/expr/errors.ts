/**
 * Errors of the expression language. Both kinds (syntax found while parsing, and problems found
 * while evaluating against a host's variables) point at a column and show the expression with a
 * caret under it, so a user can find the typo without counting characters.
 */
import { ExitCode, WphaError, type SourceLocation } from '../errors.js';

export type ExpressionErrorKind = 'syntax' | 'evaluation';

export class ExpressionError extends WphaError {
  readonly kind: ExpressionErrorKind;
  /** The problem alone, e.g. `Variable "x" is not defined`. */
  readonly reason: string;
  /** 1-based column in `source` (counted over the whole string, newlines included). */
  readonly col: number;
  readonly source: string;
  readonly origin?: string;

  constructor(kind: ExpressionErrorKind, reason: string, source: string, col: number, origin?: string) {
    super(formatExpressionError(reason, source, col, origin), ExitCode.input);
    this.kind = kind;
    this.reason = reason;
    this.col = col;
    this.source = source;
    if (origin !== undefined) this.origin = origin;
  }

  /** The same error, now saying where the expression came from (a role file position). */
  withOrigin(origin: string | SourceLocation): ExpressionError {
    return new ExpressionError(this.kind, this.reason, this.source, this.col, formatOrigin(origin));
  }
}

export function formatOrigin(origin: string | SourceLocation): string {
  return typeof origin === 'string' ? origin : `${origin.file}:${origin.line}:${origin.col}`;
}

/**
 * `reason (column N)` followed by the line of the expression holding column N and a caret.
 *   Unexpected "="; use "==" to compare (column 15)
 *     nginx_enabled = true
 *                   ^
 */
export function formatExpressionError(reason: string, source: string, col: number, origin?: string): string {
  const offset = Math.max(0, Math.min(col - 1, source.length));
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  const nextBreak = source.indexOf('\n', offset);
  const line = source.slice(lineStart, nextBreak === -1 ? source.length : nextBreak);
  // Tabs keep their width in the caret line so the caret stays under the right character.
  const pad = line.slice(0, offset - lineStart).replace(/[^\t]/g, ' ');
  const head = origin ? `${origin}: ${reason}` : reason;
  return `${head} (column ${col})\n  ${line}\n  ${pad}^`;
}

/** Thrown by a built-in function or operator on bad operands; the evaluator adds the column. */
export class CallError extends Error {}
