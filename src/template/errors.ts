/**
 * Errors of template rendering. A TemplateError always names a file position: the template
 * file and line:col of the problem, or, for a template string inside a role file (task args),
 * the position of that string in the role file plus where inside the string it went wrong.
 */
import { ExitCode, WphaError, type InputIssue, type SourceLocation } from '../errors.js';

export class TemplateError extends WphaError {
  readonly location: SourceLocation;
  /** The problem alone, e.g. `Variable "server_nam" is not defined (did you mean "server_name"?)`. */
  readonly reason: string;

  constructor(location: SourceLocation, reason: string, options?: { cause?: unknown }) {
    super(`${location.file}:${location.line}:${location.col}: ${reason}`, ExitCode.input, options);
    this.location = location;
    this.reason = reason;
  }

  /** For loaders that report every problem of a role at once through InputError. */
  toIssue(path: (string | number)[] = []): InputIssue {
    return { location: this.location, path, message: this.reason };
  }
}

/** Handlebars' position of a node: 1-based line, 0-based column. */
export interface HbsLoc {
  start: { line: number; column: number };
  end: { line: number; column: number };
}

/** Internal: a problem at a known position of the template being compiled or run. */
export class LocatedFailure extends Error {
  constructor(
    readonly reason: string,
    readonly loc: HbsLoc | undefined,
  ) {
    super(reason);
  }
}

/**
 * Internal: a strict lookup failed at `loc`. The message is composed later by the unit that
 * knows the template source (it slices the full path text, e.g. `facts.os.codenam`, from it).
 */
export class LookupFailure extends Error {
  constructor(
    /** The segment that could not be read. */
    readonly segment: string,
    /** `undefined-parent`: an earlier segment was missing; `not-container`: read into a number, null, ... */
    readonly why: 'missing' | 'undefined-parent' | 'not-container',
    readonly loc: HbsLoc | undefined,
    /** Keys that were available (for "did you mean"). */
    readonly keys: string[] = [],
    /** For `not-container`: "a number", "null", ... */
    readonly type = '',
  ) {
    super(`Cannot read "${segment}"`);
  }
}

export function parseOrigin(origin: string | SourceLocation): SourceLocation {
  if (typeof origin !== 'string') return origin;
  const m = /^(.*):(\d+):(\d+)$/.exec(origin);
  return m ? { file: m[1]!, line: Number(m[2]), col: Number(m[3]) } : { file: origin, line: 1, col: 1 };
}
