/**
 * Checks and rewrites a parsed Handlebars template before it is compiled. This is where the
 * safety and strictness rules live:
 *  - names reaching into prototypes (`constructor`, `__proto__`, `toString`, any `__x`) are refused;
 *  - only known helpers may be called, only registered (or inline) partials included, by plain
 *    name: `{{> ../../etc/passwd}}` and dynamic partials `{{> (expr)}}` are refused;
 *  - every variable read is strict, also in helper arguments (`{{#if x}}`, `{{join xs ","}}`)
 *    and below block params (`{{#each users as |u|}}{{u.name}}`), except in the first argument
 *    of `default`: undefined variables are errors, not empty text;
 *  - a plain `{{value}}` is routed through the print helper (which refuses to print lists/maps);
 *  - in capture mode, a template that is exactly one `{{ expression }}` hands back the value
 *    itself (list, number, map) through the capture helper.
 */
import type { HbsLoc } from './errors.js';
import { LocatedFailure } from './errors.js';
import { BLOCKED_KEYS } from '../expr/values.js';

export const PRINT_HELPER = '__wpha_print';
export const CAPTURE_HELPER = '__wpha_capture';
/** `{{__wpha_get u "a" "b"}}`: strict reads below a block param (`u.a.b`), which Handlebars never checks. */
export const GET_HELPER = '__wpha_get';

/** Names a template may never use as a variable or key. */
const DENIED_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), ...BLOCKED_KEYS]);

/** Partial names: file names without folders; dots allowed (`php-fpm.pool`), `..` not. */
export const PARTIAL_NAME = /^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface PrepareOptions {
  helpers: ReadonlySet<string>;
  partials: ReadonlySet<string>;
  /** Hand back the typed value when the whole template is one mustache. */
  capture: boolean;
}

// Handlebars AST nodes, typed loosely: only the fields used here.
interface AnyNode {
  type: string;
  loc?: HbsLoc;
  [key: string]: any;
}

export interface Prepared {
  captured: boolean;
  /**
   * The template uses `../` paths, partials or decorators: Handlebars then compares contexts
   * with `!=`, which needs values with Object.prototype (see plain.ts).
   */
  needsPlainValues: boolean;
}

export function prepareTemplate(program: AnyNode, options: PrepareOptions): Prepared {
  const inline = new Set<string>();
  collectInlinePartials(program, inline);
  const needsPlainValues = usesDepths(program);
  const ctx: Ctx = { ...options, inline, blockParams: [] };
  visitProgram(program, ctx);
  const only = program.body.length === 1 ? (program.body[0] as AnyNode) : undefined;
  if (options.capture && only?.type === 'MustacheStatement' && only.path.type === 'PathExpression' && only.path.original === PRINT_HELPER) {
    only.path = helperPath(CAPTURE_HELPER, only.loc);
    return { captured: true, needsPlainValues };
  }
  if (options.capture && only?.type === 'MustacheStatement') {
    // A helper call: capture what it returns instead of its text.
    const call = { type: 'SubExpression', path: only.path, params: only.params, hash: only.hash, loc: only.loc };
    program.body[0] = { ...only, path: helperPath(CAPTURE_HELPER, only.loc), params: [call], hash: undefined };
    return { captured: true, needsPlainValues };
  }
  return { captured: false, needsPlainValues };
}

function usesDepths(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  const n = node as AnyNode;
  if (n.type === 'PathExpression') return n.depth > 0;
  if (/^(Partial|PartialBlock)Statement$|^Decorator(Block)?$/.test(n.type)) return true;
  return Object.entries(n).some(([k, v]) => k !== 'loc' && v && typeof v === 'object' && usesDepths(v));
}

type Ctx = PrepareOptions & { inline: Set<string>; blockParams: readonly string[] };

function collectInlinePartials(node: unknown, out: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  const n = node as AnyNode;
  if (n.type === 'DecoratorBlock' && n.path?.original === 'inline' && n.params?.[0]?.type === 'StringLiteral') out.add(n.params[0].value);
  for (const v of Object.values(n)) if (v && typeof v === 'object' && v !== n.loc) collectInlinePartials(v, out);
}

function visitProgram(program: AnyNode, ctx: Ctx): void {
  program.body = (program.body as AnyNode[]).map((stmt) => visitStatement(stmt, ctx));
}

function visitStatement(s: AnyNode, ctx: Ctx): AnyNode {
  switch (s.type) {
    case 'MustacheStatement': {
      checkCall(s, ctx);
      if (isHelperCall(s, ctx)) return s;
      // `{{value}}` -> `{{__wpha_print value}}`: strict lookup, typed printing, a location for errors.
      return { ...s, path: helperPath(PRINT_HELPER, s.loc), params: [checkParam(s.path, true, ctx)], hash: undefined };
    }
    case 'BlockStatement':
      checkCall(s, ctx);
      if (s.program) visitProgram(s.program, { ...ctx, blockParams: [...ctx.blockParams, ...(s.program.blockParams ?? [])] });
      if (s.inverse) visitProgram(s.inverse, ctx);
      return s;
    case 'PartialStatement':
    case 'PartialBlockStatement':
      checkPartial(s, ctx);
      s.params = s.params.map((p: AnyNode) => checkParam(p, true, ctx));
      checkHash(s.hash, ctx);
      if (s.program) visitProgram(s.program, ctx);
      return s;
    case 'DecoratorBlock':
    case 'Decorator':
      if (s.path.type !== 'PathExpression' || s.path.original !== 'inline') {
        throw new LocatedFailure(`Decorator "${s.path.original}" is not supported; only {{#*inline "name"}} is`, s.loc);
      }
      if (s.program) visitProgram(s.program, ctx);
      return s;
    default:
      return s; // ContentStatement, CommentStatement
  }
}

function helperPath(name: string, loc: HbsLoc | undefined): AnyNode {
  return { type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc };
}

function isSimpleName(path: AnyNode): boolean {
  return path.type === 'PathExpression' && !path.data && path.depth === 0 && path.parts.length === 1 && !/^(this([./]|$)|\.)/.test(path.original);
}

function isHelperCall(s: AnyNode, ctx: Ctx): boolean {
  return s.params.length > 0 || s.hash !== undefined || (isSimpleName(s.path) && ctx.helpers.has(s.path.parts[0]));
}

/** Check a mustache, block or subexpression: its name, its helper, its arguments. */
function checkCall(s: AnyNode, ctx: Ctx): void {
  if (s.path.type === 'PathExpression') checkPath(s.path);
  const calls = s.type === 'SubExpression' || s.params.length > 0 || s.hash !== undefined;
  const helper = isSimpleName(s.path) ? (s.path.parts[0] as string) : undefined;
  if (calls && (helper === undefined || !ctx.helpers.has(helper))) {
    const known = [...ctx.helpers].filter((h) => !h.startsWith('__') && !['helperMissing', 'blockHelperMissing'].includes(h));
    throw new LocatedFailure(`Unknown helper "${s.path.original}"; available: ${known.sort().join(', ')}`, s.loc);
  }
  s.params = s.params.map((p: AnyNode, i: number) => checkParam(p, !(helper === 'default' && i === 0), ctx));
  checkHash(s.hash, ctx);
}

function checkHash(hash: AnyNode | undefined, ctx: Ctx): void {
  for (const pair of hash?.pairs ?? []) pair.value = checkParam(pair.value, true, ctx);
}

/** Check an argument; returns the node to compile in its place. */
function checkParam(p: AnyNode, strict: boolean, ctx: Ctx): AnyNode {
  if (p.type === 'PathExpression') {
    checkPath(p);
    if (strict && p.depth === 0 && !p.data && p.parts.length > 1 && ctx.blockParams.includes(p.parts[0])) {
      // u.a.b -> (__wpha_get u "a" "b"), located at the path so errors read `Variable "u.a.b"`.
      const head = { ...p, parts: [p.parts[0]], original: p.parts[0] };
      const keys = p.parts.slice(1).map((k: string) => ({ type: 'StringLiteral', value: k, original: k, loc: p.loc }));
      return { type: 'SubExpression', path: helperPath(GET_HELPER, p.loc), params: [head, ...keys], loc: p.loc };
    }
    markStrict(p, strict);
  } else if (p.type === 'SubExpression') {
    checkCall(p, ctx);
  }
  return p;
}

/** Handlebars reads `strict` on a path node to decide whether a missing value is an error. */
function markStrict(path: AnyNode, strict: boolean): void {
  if (path.type === 'PathExpression' && strict) path.strict = true;
}

function checkPath(path: AnyNode): void {
  for (const part of path.parts as string[]) {
    if (DENIED_NAMES.has(part) || part.startsWith('__')) {
      throw new LocatedFailure(`The name "${part}" cannot be used in a template`, path.loc);
    }
  }
}

function checkPartial(s: AnyNode, ctx: Ctx): void {
  const name = s.name;
  if (name.type === 'SubExpression') {
    throw new LocatedFailure('Dynamic partials ({{> (expression)}}) are not allowed; name the partial', s.loc);
  }
  const original = String(name.original);
  if (name.type === 'PathExpression' && name.data && original === '@partial-block') return;
  if (!PARTIAL_NAME.test(original) || (name.type === 'PathExpression' && name.depth > 0)) {
    throw new LocatedFailure(`Partial "${original}" is not allowed: partials are named by their file name in templates/partials or the role's templates/partials`, s.loc);
  }
  if (!ctx.partials.has(original) && !ctx.inline.has(original)) {
    const known = [...ctx.partials, ...ctx.inline].sort();
    throw new LocatedFailure(`Partial "${original}" is not defined; available: ${known.length ? known.join(', ') : '(none)'}`, s.loc);
  }
}
