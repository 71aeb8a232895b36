/**
 * One compiled template (a file, a partial, or a string from a role file) and the mapping of
 * everything that can go wrong in it to a TemplateError with a position.
 */
import { formatKeyPath, type SourceLocation } from '../errors.js';
import { closestName, didYouMean } from '../expr/suggest.js';
import { LocatedFailure, LookupFailure, TemplateError, type HbsLoc } from './errors.js';
import { toHandlebarsValue } from './plain.js';
import { prepareTemplate } from './prepare.js';
import { runtimeOptions, type CaptureBox, type Environment } from './runtime.js';

export interface Unit {
  readonly source: string;
  /** True when the template is one `{{ expression }}` compiled to hand back its typed value. */
  readonly captured: boolean;
  /** Run as a top-level template. Raw failures propagate; map them with `toTemplateError`. */
  run(vars: unknown): { text: string; value: unknown };
  /** Run as a partial (Handlebars passes its own options through). */
  runPartial(context: unknown, options: unknown): string;
}

/** Where a unit's source lives, for messages. */
export type Where =
  | { kind: 'file'; file: string }
  /** A template string inside a role file; `path` is the key path of the string (e.g. args.name). */
  | { kind: 'string'; origin: SourceLocation; path?: (string | number)[] };

/** Parse, check and compile. Throws raw failures (map them with `toTemplateError`). */
export function compileUnit(env: Environment, source: string, partials: ReadonlySet<string>, capture: boolean): Unit {
  const ast = env.hb.parseWithoutProcessing(source);
  const { captured, needsPlainValues } = prepareTemplate(ast as never, { helpers: env.helpers, partials, capture });
  const fn = env.hb.compile(ast, env.compileOptions);
  return {
    source,
    captured,
    run(vars) {
      const box: CaptureBox = {};
      const text = fn(needsPlainValues ? toHandlebarsValue(vars) : vars, runtimeOptions(box) as never);
      return { text, value: captured ? box.value : text };
    },
    runPartial(context, options) {
      return fn(context, options as never);
    },
  };
}

/** Turn anything thrown while compiling or running `source` into a TemplateError. */
export function toTemplateError(e: unknown, source: string, where: Where): TemplateError {
  if (e instanceof TemplateError) return e; // already located, e.g. inside a partial
  let loc: HbsLoc | undefined;
  let reason: string;
  if (e instanceof LookupFailure) {
    loc = e.loc;
    reason = lookupReason(e, source);
  } else if (e instanceof LocatedFailure) {
    loc = e.loc;
    reason = e.reason;
  } else if (e instanceof Error && typeof (e as { lineNumber?: unknown }).lineNumber === 'number') {
    // A Handlebars exception with a position (mismatched blocks, compile errors).
    const x = e as Error & { lineNumber: number; column: number };
    loc = { start: { line: x.lineNumber, column: x.column }, end: { line: x.lineNumber, column: x.column } };
    reason = x.message.replace(/ - \d+:\d+$/, '');
  } else if (e instanceof Error && /^Parse error on line (\d+):/.test(e.message)) {
    const line = Number(/^Parse error on line (\d+):/.exec(e.message)![1]);
    loc = { start: { line, column: 0 }, end: { line, column: 0 } };
    // Handlebars' message: the headline, a snippet, a caret line under it, what it expected.
    const [, snippet = '', caret = '', ...expected] = e.message.split('\n');
    reason = `Syntax error: ${expected.join(' ')}\n    ${snippet}\n    ${caret}`;
  } else {
    reason = `Cannot render: ${e instanceof Error ? e.message : String(e)}`;
  }
  return locate(reason, loc, source, where, e);
}

function locate(reason: string, loc: HbsLoc | undefined, source: string, where: Where, cause: unknown): TemplateError {
  const line = loc?.start.line ?? 1;
  const col = (loc?.start.column ?? 0) + 1;
  if (where.kind === 'file') return new TemplateError({ file: where.file, line, col }, reason, { cause });
  const inner = source.includes('\n') ? `line ${line}, column ${col}` : `column ${col}`;
  const keyPath = where.path && where.path.length > 0 ? `${formatKeyPath(where.path)}: ` : '';
  return new TemplateError(where.origin, `${keyPath}${reason} (in ${excerpt(source, line, col)} at ${inner})`, { cause });
}

/** The template string, or for a long one the part of its line around the column. */
function excerpt(source: string, line: number, col: number): string {
  if (source.length <= 80 && !source.includes('\n')) return JSON.stringify(source);
  const text = source.split('\n')[line - 1] ?? '';
  const from = Math.max(0, col - 30);
  const to = Math.min(text.length, from + 60);
  return `${from > 0 ? '...' : ''}${JSON.stringify(text.slice(from, to))}${to < text.length ? '...' : ''}`;
}

/** The text of the source between a node's start and end, e.g. `facts.os.codenam`. */
function sliceLoc(source: string, loc: HbsLoc | undefined): string | undefined {
  if (!loc || loc.start.line !== loc.end.line) return undefined;
  const text = source.split('\n')[loc.start.line - 1]?.slice(loc.start.column, loc.end.column);
  return text ? text : undefined;
}

function lookupReason(f: LookupFailure, source: string): string {
  const path = sliceLoc(source, f.loc) ?? f.segment;
  const parent = path.endsWith(f.segment) && path.length > f.segment.length ? path.slice(0, -f.segment.length - 1) : 'this';
  switch (f.why) {
    case 'missing': {
      const suggestion = closestName(f.segment, f.keys);
      const full = suggestion === undefined ? undefined : path.endsWith(f.segment) ? path.slice(0, path.length - f.segment.length) + suggestion : suggestion;
      return `Variable "${path}" is not defined${didYouMean(full)}`;
    }
    case 'undefined-parent':
      return `Variable "${path}" is not defined`;
    case 'not-container':
      return `Cannot read "${f.segment}" of "${parent}": it is ${f.type}`;
  }
}
