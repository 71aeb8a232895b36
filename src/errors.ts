/**
 * The project's error taxonomy. Every error a user can cause is a WphaError with an exit code;
 * bin/wpha catches them in one place and prints `message` (already redacted) without a stack.
 * Messages are sentence case, name the action and quote the values:
 *   Cannot apply "apt" on host "web1": dpkg lock is held by pid 812
 */

export const ExitCode = {
  ok: 0,
  failed: 1,
  changesPending: 2, // only with `plan --detailed-exitcode`
  usage: 64,
  input: 65, // bad inventory / role / vars
  unreachable: 69,
  internal: 70,
  interrupted: 130,
} as const;

export class WphaError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.failed, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Wrong command-line use, or an environment the command cannot run in (not root, missing tool). */
export class UserError extends WphaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** Where in which file a problem is. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface InputIssue {
  location?: SourceLocation;
  /** Key path inside the document, e.g. ["groups", "web", "vars", "php_version"]. */
  path: (string | number)[];
  message: string;
}

export function formatKeyPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(document)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function formatIssue(issue: InputIssue): string {
  const where = issue.location ? `${issue.location.file}:${issue.location.line}:${issue.location.col}: ` : '';
  return `${where}${formatKeyPath(issue.path)}: ${issue.message}`;
}

/** One or more problems in an inventory, role, template or vars file; all are reported at once. */
export class InputError extends WphaError {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[], headline = 'Invalid input') {
    super(`${headline}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, ExitCode.input);
    this.issues = issues;
  }
}

export type ConnectErrorKind = 'refused' | 'timeout' | 'auth' | 'host-key-mismatch' | 'host-key-unknown' | 'dns' | 'closed' | 'other';

export class ConnectError extends WphaError {
  readonly host: string;
  readonly kind: ConnectErrorKind;
  constructor(host: string, kind: ConnectErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.unreachable, options);
    this.host = host;
    this.kind = kind;
  }
}

/** An operation failed on a host. */
export class OperationError extends WphaError {
  readonly host: string;
  readonly op: string;
  constructor(host: string, op: string, message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failed, options);
    this.host = host;
    this.op = op;
  }
}

/** A bug in wpha itself. */
export class InternalError extends WphaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`Internal error (a bug in wpha): ${message}`, ExitCode.internal, options);
  }
}
