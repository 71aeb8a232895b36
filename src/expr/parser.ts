/**
 * Recursive-descent parser. Precedence, loosest first:
 *   or (`or`, `||`)  <  and (`and`, `&&`)  <  not (`not`, `!`)  <  one comparison
 *   (`==` `!=` `<` `<=` `>` `>=` `in` `not in` `is [not] defined|empty`)  <  unary `-`
 *   <  member access (`.name`, `[expr]`)  <  literals, names, calls, lists, parentheses.
 * `!` binds like `not` (loosely, as in Python), so `!a == b` means `not (a == b)`: one meaning
 * for both spellings. Comparisons do not chain (`a < b < c` is an error, not a surprise).
 */
import { freezeTree, type CompareOp, type FunctionName, type Node } from './ast.js';
import { ExpressionError } from './errors.js';
import { FUNCTION_ARITY, FUNCTION_NAMES } from './functions.js';
import { tokenize, type Token } from './lexer.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'true', 'false', 'null']);
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const TESTS = ['defined', 'empty'] as const;

export function parse(source: string): Node {
  const p = new Parser(source, tokenize(source));
  if (p.peek().type === 'eof') p.fail('Empty expression', p.peek());
  const root = p.parseOr();
  const rest = p.peek();
  if (rest.type !== 'eof') p.fail(`Unexpected ${describe(rest)}`, rest);
  return freezeTree(root);
}

class Parser {
  private pos = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.pos++;
    return t;
  }

  private is(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return (t.type === 'punct' || t.type === 'ident') && t.text === text;
  }

  private expect(text: string, context: string): Token {
    const t = this.peek();
    if (!this.is(text)) this.fail(`Expected "${text}" ${context}, found ${describe(t)}`, t);
    return this.next();
  }

  fail(reason: string, at: Token): never {
    throw new ExpressionError('syntax', reason, this.source, at.start + 1);
  }

  parseOr(): Node {
    let left = this.parseAnd();
    while (this.is('or') || this.is('||')) {
      this.next();
      const right = this.parseAnd();
      left = { kind: 'logical', op: 'or', left, right, start: left.start, end: right.end, col: left.col };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseNot();
    while (this.is('and') || this.is('&&')) {
      this.next();
      const right = this.parseNot();
      left = { kind: 'logical', op: 'and', left, right, start: left.start, end: right.end, col: left.col };
    }
    return left;
  }

  private parseNot(): Node {
    if (this.is('not') || this.is('!')) {
      const op = this.next();
      const operand = this.parseNot();
      return { kind: 'not', operand, start: op.start, end: operand.end, col: op.start + 1 };
    }
    return this.parseComparison();
  }

  private parseComparison(): Node {
    const left = this.parseUnary();
    const node = this.parseComparisonTail(left);
    if (node !== left && (this.compareAhead() || this.is('is'))) {
      this.fail('Comparisons cannot be chained; combine them with "and"', this.peek());
    }
    return node;
  }

  /** Length of the comparison operator at the cursor (`not in` is two tokens), or 0. */
  private compareAhead(): number {
    const t = this.peek();
    if (t.type === 'punct' && COMPARE_OPS.has(t.text)) return 1;
    if (this.is('in')) return 1;
    if (this.is('not') && this.is('in', 1)) return 2;
    return 0;
  }

  private parseComparisonTail(left: Node): Node {
    const opToken = this.peek();
    if (this.is('is')) {
      this.next();
      const negated = this.is('not');
      if (negated) this.next();
      const name = this.peek();
      const test = TESTS.find((t) => name.type === 'ident' && name.text === t);
      if (!test) this.fail(`Unknown test ${describe(name)} after "is"; available: ${TESTS.join(', ')}`, name);
      this.next();
      return { kind: 'test', test, negated, operand: left, start: left.start, end: name.end, col: opToken.start + 1 };
    }
    const width = this.compareAhead();
    if (width === 0) return left;
    const op = (width === 2 ? 'not in' : opToken.text) as CompareOp;
    for (let i = 0; i < width; i++) this.next();
    const right = this.parseUnary();
    return { kind: 'compare', op, left, right, start: left.start, end: right.end, col: opToken.start + 1 };
  }

  private parseUnary(): Node {
    if (this.is('-')) {
      const op = this.next();
      const operand = this.parseUnary();
      return { kind: 'neg', operand, start: op.start, end: operand.end, col: op.start + 1 };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(node: Node): Node {
    for (;;) {
      if (this.is('.')) {
        this.next();
        const name = this.peek();
        // Keywords are fine as property names: `result.in` can only mean a key.
        if (name.type !== 'ident') this.fail(`Expected a property name after ".", found ${describe(name)}`, name);
        this.next();
        node = { kind: 'member', object: node, property: name.text, start: node.start, end: name.end, col: name.start + 1 };
      } else if (this.is('[')) {
        const open = this.next();
        const index = this.parseOr();
        const close = this.expect(']', 'to close the index');
        node = { kind: 'index', object: node, index, start: node.start, end: close.end, col: open.start + 1 };
      } else if (this.is('(')) {
        this.fail('Only the built-in functions can be called', this.peek());
      } else {
        return node;
      }
    }
  }

  private parsePrimary(): Node {
    const t = this.peek();
    const span = { start: t.start, end: t.end, col: t.start + 1 };
    if (t.type === 'number') {
      this.next();
      return { kind: 'literal', value: Number(t.text), ...span };
    }
    if (t.type === 'string') {
      this.next();
      return { kind: 'literal', value: t.text, ...span };
    }
    if (t.type === 'ident') {
      if (t.text === 'true' || t.text === 'false') {
        this.next();
        return { kind: 'literal', value: t.text === 'true', ...span };
      }
      if (t.text === 'null') {
        this.next();
        return { kind: 'literal', value: null, ...span };
      }
      if (KEYWORDS.has(t.text)) this.fail(`Unexpected ${describe(t)}`, t);
      this.next();
      if (this.is('(')) return this.parseCall(t);
      return { kind: 'name', name: t.text, ...span };
    }
    if (this.is('(')) {
      this.next();
      const inner = this.parseOr();
      this.expect(')', 'to close "("');
      return inner;
    }
    if (this.is('[')) return this.parseList();
    return this.fail(`Unexpected ${describe(t)}`, t);
  }

  private parseList(): Node {
    const open = this.next();
    const items: Node[] = [];
    while (!this.is(']')) {
      items.push(this.parseOr());
      if (!this.is(',')) break;
      this.next();
    }
    const close = this.expect(']', 'to close the list');
    return { kind: 'list', items, start: open.start, end: close.end, col: open.start + 1 };
  }

  private parseCall(name: Token): Node {
    if (!(FUNCTION_NAMES as readonly string[]).includes(name.text)) {
      this.fail(`Unknown function "${name.text}"; available: ${FUNCTION_NAMES.join(', ')}`, name);
    }
    const fn = name.text as FunctionName;
    this.next(); // (
    const args: Node[] = [];
    while (!this.is(')')) {
      args.push(this.parseOr());
      if (!this.is(',')) break;
      this.next();
    }
    const close = this.expect(')', `to close the call of ${fn}()`);
    const arity = FUNCTION_ARITY[fn];
    if (args.length !== arity) {
      this.fail(`Function ${fn}() takes ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`, name);
    }
    return { kind: 'call', fn, args, start: name.start, end: close.end, col: name.start + 1 };
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end of expression';
    case 'string':
      return 'a string';
    case 'number':
      return `number ${t.text}`;
    default:
      return `"${t.text}"`;
  }
}
