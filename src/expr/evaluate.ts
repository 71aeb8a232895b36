/**
 * Tree-walking evaluator. A scope is a plain (usually null-prototype) object of top-level names;
 * it is only read, never written.
 *
 * Undefined names are errors ("Variable "x" is not defined"), because a typo in a `when` that
 * silently evaluates to false skips a task without anyone noticing. The exceptions are the
 * operand of `is [not] defined` and the first argument of `default()`: there a missing name,
 * key or index (at any depth) is simply undefined.
 */
import { isRef, type Node, type ParsedExpression, type RefNode } from './ast.js';
import { CallError, ExpressionError } from './errors.js';
import { FUNCTIONS } from './functions.js';
import { membership } from './membership.js';
import { closestName, didYouMean } from './suggest.js';
import { BLOCKED_KEYS, describeType, equals, lookupKey, sizeOf, truthy } from './values.js';

export type Scope = Readonly<Record<string, unknown>>;

/** Spellings people bring from Ansible/Jinja. */
const PYTHON_LITERALS: ReadonlyMap<string, string> = new Map([
  ['True', 'true'],
  ['False', 'false'],
  ['None', 'null'],
]);

interface Ctx {
  readonly scope: Scope;
  readonly source: string;
}

export function evaluateParsed(parsed: ParsedExpression, scope: Scope): unknown {
  return evalNode(parsed.root, { scope, source: parsed.source });
}

function fail(ctx: Ctx, col: number, reason: string): never {
  throw new ExpressionError('evaluation', reason, ctx.source, col);
}

function evalNode(node: Node, ctx: Ctx): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'list':
      return node.items.map((n) => evalNode(n, ctx));
    case 'name':
    case 'member':
    case 'index':
      return resolve(node, ctx, false).value;
    case 'not':
      return !truthy(evalNode(node.operand, ctx));
    case 'neg': {
      const v = evalNode(node.operand, ctx);
      if (typeof v !== 'number') fail(ctx, node.col, `Cannot negate ${describeType(v)}`);
      return -v;
    }
    case 'logical': {
      const left = truthy(evalNode(node.left, ctx));
      if (node.op === 'and' ? !left : left) return left;
      return truthy(evalNode(node.right, ctx));
    }
    case 'compare':
      return compare(node.op, evalNode(node.left, ctx), evalNode(node.right, ctx), node.col, ctx);
    case 'test': {
      if (node.test === 'defined') {
        const defined = (isRef(node.operand) ? resolve(node.operand, ctx, true).value : evalNode(node.operand, ctx)) !== undefined;
        return defined !== node.negated;
      }
      const v = evalNode(node.operand, ctx);
      const size = v === null ? 0 : sizeOf(v);
      if (size === undefined) fail(ctx, node.col, `Cannot test ${describeType(v)} with "is empty"`);
      return (size === 0) !== node.negated;
    }
    case 'call': {
      const args = node.args.map((a, i) => (node.fn === 'default' && i === 0 && isRef(a) ? resolve(a, ctx, true).value : evalNode(a, ctx)));
      try {
        return FUNCTIONS[node.fn](args);
      } catch (e) {
        if (e instanceof CallError) fail(ctx, node.col, e.message);
        throw e;
      }
    }
  }
}

function compare(op: string, a: unknown, b: unknown, col: number, ctx: Ctx): boolean {
  try {
    switch (op) {
      case '==':
        return equals(a, b);
      case '!=':
        return !equals(a, b);
      case 'in':
        return membership(a, b, '"in"');
      case 'not in':
        return !membership(a, b, '"not in"');
    }
  } catch (e) {
    if (e instanceof CallError) fail(ctx, col, e.message);
    throw e;
  }
  const bothNumbers = typeof a === 'number' && typeof b === 'number';
  const bothStrings = typeof a === 'string' && typeof b === 'string';
  if (!bothNumbers && !bothStrings) {
    const numeric = (v: unknown) => typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v);
    const hint = numeric(a) || numeric(b) ? '; convert the string with int()' : '';
    fail(ctx, col, `Cannot compare ${describeType(a)} with ${describeType(b)} using "${op}"${hint}`);
  }
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

interface Resolved {
  value: unknown;
  /** How the reference reads in messages, with dynamic indexes already evaluated: `hostvars['db1'].address`. */
  display: string;
}

/** Read a name / member / index chain. `lenient`: any missing link gives undefined instead of an error. */
function resolve(node: RefNode, ctx: Ctx, lenient: boolean): Resolved {
  if (node.kind === 'name') {
    const found = !BLOCKED_KEYS.has(node.name) && Object.hasOwn(ctx.scope, node.name);
    if (found || lenient) return { value: found ? ctx.scope[node.name] : undefined, display: node.name };
    const literal = PYTHON_LITERALS.get(node.name);
    const hint = literal
      ? ` (write ${literal})`
      : didYouMean(
          closestName(
            node.name,
            Object.keys(ctx.scope).filter((k) => !BLOCKED_KEYS.has(k)),
          ),
        );
    return fail(ctx, node.col, `Variable "${node.name}" is not defined${hint}`);
  }
  const parent = isRef(node.object) ? resolve(node.object, ctx, lenient) : { value: evalNode(node.object, ctx), display: ctx.source.slice(node.object.start, node.object.end) };
  let key: string | number;
  if (node.kind === 'member') {
    key = node.property;
  } else {
    const k = evalNode(node.index, ctx);
    if (typeof k !== 'string' && typeof k !== 'number') fail(ctx, node.index.col, `Cannot index with ${describeType(k)}; use a string or a number`);
    key = k;
  }
  const display = node.kind === 'member' ? `${parent.display}.${key}` : `${parent.display}[${typeof key === 'string' ? `'${key}'` : key}]`;
  if (lenient && parent.value === undefined) return { value: undefined, display };
  const r = lookupKey(parent.value, key);
  if (r.found) return { value: r.value, display };
  if (lenient) return { value: undefined, display };
  switch (r.why) {
    case 'missing': {
      const suggestion = typeof key === 'string' ? closestName(key, r.keys) : undefined;
      const hint = suggestion === undefined ? '' : didYouMean(node.kind === 'member' ? `${parent.display}.${suggestion}` : `${parent.display}['${suggestion}']`);
      const size = Array.isArray(parent.value) ? ` (the list has ${parent.value.length} items)` : '';
      return fail(ctx, node.col, `Variable "${display}" is not defined${hint}${size}`);
    }
    case 'bad-index':
      if (node.kind === 'member') return fail(ctx, node.col, `Cannot read "${key}" of "${parent.display}": it is a list`);
      return fail(ctx, node.col, `Cannot index the list "${parent.display}" with ${r.type}; use an integer`);
    case 'not-container':
      return fail(ctx, node.col, `Cannot read "${key}" of "${parent.display}": it is ${r.type}`);
  }
}
