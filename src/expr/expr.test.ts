import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkExpression, evaluate, evaluateBool, ExpressionError, parseExpression, type Scope } from './index.js';

interface Case {
  expr: string;
  value?: unknown;
  truthy?: boolean;
  error?: string;
  col?: number;
  kind?: 'syntax' | 'evaluation';
}

const fixture = parseYaml(readFileSync(new URL('./fixtures/cases.yaml', import.meta.url), 'utf8')) as {
  scope: Record<string, unknown>;
  cases: Case[];
};
// Callers build scopes with a null prototype; do the same here.
const scope: Scope = Object.assign(Object.create(null), fixture.scope);
const valueCases = fixture.cases.filter((c) => !('error' in c));
const errorCases = fixture.cases.filter((c) => 'error' in c);

function errorOf(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ExpressionError) return e;
    throw e;
  }
  throw new Error('expected an ExpressionError');
}

describe('expression fixtures', () => {
  it('has enough cases of both kinds', () => {
    expect(valueCases.length).toBeGreaterThanOrEqual(40);
    expect(errorCases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(valueCases)('$expr', (c) => {
    expect(evaluate(c.expr, scope)).toEqual(c.value);
    if (c.truthy !== undefined) expect(evaluateBool(c.expr, scope)).toBe(c.truthy);
    expect(checkExpression(c.expr).ok).toBe(true);
  });

  it.each(errorCases)('$expr -> $error', (c) => {
    const err = errorOf(() => evaluate(c.expr, scope));
    expect(err.reason).toBe(c.error);
    expect(err.col).toBe(c.col);
    expect(err.kind).toBe(c.kind);
    // Syntax errors are found at load time, evaluation errors are not.
    expect(checkExpression(c.expr).ok).toBe(c.kind === 'evaluation');
  });
});

describe('error messages', () => {
  it('shows the expression with a caret under the column', () => {
    const err = errorOf(() => evaluate('nginx_enabled = true', scope));
    expect(err.message).toBe('Unexpected "="; use "==" to compare (column 15)\n  nginx_enabled = true\n                ^');
  });

  it('points into the right line of a multi-line expression', () => {
    const err = errorOf(() => evaluate('nginx_enabled\nand wrokers > 1', scope));
    expect(err.reason).toBe('Variable "wrokers" is not defined (did you mean "workers"?)');
    expect(err.message).toBe(`${err.reason} (column 19)\n  and wrokers > 1\n      ^`);
  });

  it('prefixes the origin when given', () => {
    const err = errorOf(() => evaluate('ngnix_enabled', scope, { origin: { file: 'roles/nginx/role.yaml', line: 12, col: 11 } }));
    expect(err.message.split('\n')[0]).toBe('roles/nginx/role.yaml:12:11: Variable "ngnix_enabled" is not defined (did you mean "nginx_enabled"?) (column 1)');
    expect(err.exitCode).toBe(65);
  });

  it('checkExpression reports message, reason and column of a syntax error', () => {
    const r = checkExpression('a ==');
    expect(r).toEqual({ ok: false, reason: 'Unexpected end of expression', col: 5, message: 'Unexpected end of expression (column 5)\n  a ==\n      ^' });
  });
});

describe('checkExpression names', () => {
  it('lists top-level names once, in order, without functions or properties', () => {
    const r = checkExpression("'web1' in groups[host] and default(port, 80) > 1 and lower(item.name) == host");
    expect(r).toEqual({ ok: true, names: ['groups', 'host', 'port', 'item'] });
  });
});

describe('prototype safety', () => {
  const proto = { polluted: 'yes' };
  const objectWithProto = Object.assign(Object.create(proto), { own: 1 });
  const s: Scope = Object.assign(Object.create(null), {
    plain: { a: 1 },
    inst: new Date(0),
    objectWithProto,
    list: [1, 2],
    map: new Map<string, unknown>([
      ['k', 'v'],
      ['constructor', 'x'],
    ]),
  });

  it.each([
    ['plain.constructor', 'Variable "plain.constructor" is not defined'],
    ['plain.__proto__', 'Variable "plain.__proto__" is not defined'],
    ["plain['constructor']", `Variable "plain['constructor']" is not defined`],
    ['plain.hasOwnProperty', 'Variable "plain.hasOwnProperty" is not defined'],
    ['list.constructor', 'Cannot read "constructor" of "list": it is a list'],
    ['inst.getTime', 'Cannot read "getTime" of "inst": it is an object (Date)'],
    ['objectWithProto.polluted', 'Cannot read "polluted" of "objectWithProto": it is an object (Object)'],
    ["map['constructor']", `Variable "map['constructor']" is not defined`],
    ['constructor', 'Variable "constructor" is not defined'],
  ])('%s is refused', (src, reason) => {
    expect(errorOf(() => evaluate(src, s)).reason).toBe(reason);
  });

  it('reads Map entries and never yields a function', () => {
    expect(evaluate("map['k']", s)).toBe('v');
    expect(evaluate('plain.constructor is defined or plain.toString is defined', s)).toBe(false);
    expect(evaluate("default(plain.__proto__, 'none')", s)).toBe('none');
  });

  it('does not modify the scope', () => {
    const before = JSON.stringify(fixture.scope);
    evaluate("default(x, 1) and 'a' in packages and facts.os is defined", scope);
    expect(JSON.stringify(fixture.scope)).toBe(before);
    expect(Object.getPrototypeOf(scope)).toBeNull();
  });
});

describe('cache', () => {
  it('returns the same frozen tree for the same source', () => {
    const a = parseExpression('workers > 1 and nginx_enabled');
    expect(parseExpression('workers > 1 and nginx_enabled')).toBe(a);
    expect(Object.isFrozen(a.root)).toBe(true);
    expect(evaluate(a, scope)).toBe(true);
  });

  it('remembers syntax errors too', () => {
    const first = errorOf(() => parseExpression('a = 1'));
    expect(errorOf(() => parseExpression('a = 1'))).toBe(first);
  });
});
