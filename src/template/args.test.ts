import { describe, expect, it } from 'vitest';
import { createRenderer, TemplateError } from './index.js';

const r = createRenderer({ partialDirs: [] });
const scope = Object.assign(Object.create(null), {
  users: [{ name: 'alice' }, { name: 'bob' }],
  packages: ['nginx', 'php8.2-fpm'],
  port: 8080,
  tls: false,
  settings: { 'pm.max_children': 12 },
  nothing: null,
  php_version: '8.2',
  item: { name: 'alice' },
});
const origin = { file: 'roles/web/role.yaml', line: 14, col: 7 };

function templateError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error('expected a TemplateError');
}

describe('renderArgs', () => {
  it.each([
    ['{{ users }}', [{ name: 'alice' }, { name: 'bob' }]],
    ['{{packages}}', ['nginx', 'php8.2-fpm']],
    ['{{ port }}', 8080],
    ['{{~ port ~}}', 8080],
    ['{{{ port }}}', 8080],
    ['{{ tls }}', false],
    ['{{ nothing }}', null],
    ['{{ settings }}', { 'pm.max_children': 12 }],
    ['{{ default missing 3 }}', 3],
    ['{{ default missing packages }}', ['nginx', 'php8.2-fpm']],
    ['{{ mul port 2 }}', 16160],
    ['{{ eq port 8080 }}', true],
    ['{{ item.name }}', 'alice'],
    ['{{ 42 }}', 42],
    ['php{{ php_version }}-fpm', 'php8.2-fpm'],
    [' {{ port }}', ' 8080'],
    ['{{ port }}{{ port }}', '80808080'],
    ['{{#if tls}}on{{else}}off{{/if}}', 'off'],
    ['no template here', 'no template here'],
  ])('%s', (src, expected) => {
    expect(r.renderArgs(src, scope, origin)).toEqual(expected);
  });

  it('walks maps and lists, keeps other values, and never modifies the input', () => {
    const args = { name: '{{ packages }}', state: 'present', opts: { port: '{{ port }}', list: ['x', '{{ item.name }}', 3, true, null] } };
    const before = structuredClone(args);
    expect(r.renderArgs(args, scope, origin)).toEqual({
      name: ['nginx', 'php8.2-fpm'],
      state: 'present',
      opts: { port: 8080, list: ['x', 'alice', 3, true, null] },
    });
    expect(args).toEqual(before);
  });

  it('hands back copies, so changing a rendered arg never changes a variable', () => {
    const out = r.renderArgs({ u: '{{ users }}' }, scope, origin) as { u: { name: string }[] };
    out.u[0]!.name = 'mallory';
    expect(scope.users[0].name).toBe('alice');
  });

  it('keeps a "__proto__" key a plain key', () => {
    const args = JSON.parse('{"__proto__": {"polluted": "{{ port }}"}}');
    const out = r.renderArgs(args, scope, origin) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 8080 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the origin and the key path of an undefined variable', () => {
    const err = templateError(() => r.renderArgs({ name: ['ok', '{{ pakages }}'] }, scope, origin));
    expect(err.message).toBe('roles/web/role.yaml:14:7: name[1]: Variable "pakages" is not defined (did you mean "packages"?) (in "{{ pakages }}" at column 4)');
  });

  it('shows only the part of a long string around the problem', () => {
    const long = `${'x'.repeat(60)} {{ nope }} ${'y'.repeat(60)}`;
    const err = templateError(() => r.renderArgs(long, scope, origin));
    expect(err.reason).toBe(`Variable "nope" is not defined (in ..."${'x'.repeat(25)} {{ nope }} ${'y'.repeat(23)}"... at column 65)`);
  });

  it('accepts the origin as a string', () => {
    const err = templateError(() => r.renderArgs('{{ nope }}', scope, 'roles/web/role.yaml:3:9'));
    expect(err.location).toEqual({ file: 'roles/web/role.yaml', line: 3, col: 9 });
  });
});

describe('expandLoop', () => {
  it('returns a YAML list with its items rendered', () => {
    expect(r.expandLoop(['a', '{{ port }}', { n: '{{ item.name }}' }], scope, origin)).toEqual(['a', 8080, { n: 'alice' }]);
  });

  it('resolves a templated string to the list it names', () => {
    expect(r.expandLoop('{{ users }}', scope, origin)).toEqual([{ name: 'alice' }, { name: 'bob' }]);
    expect(r.expandLoop('{{ default missing packages }}', scope, origin)).toEqual(['nginx', 'php8.2-fpm']);
  });

  it.each([
    ['{{ port }}', 'loop: "{{ port }}" gave a number 8080, expected a list'],
    ['{{ settings }}', 'loop: "{{ settings }}" gave a map {"pm.max_children":12}, expected a list'],
    ['a {{ port }}', 'loop: "a {{ port }}" gave a string "a 8080", expected a list'],
    ['a {{ packages }}', 'loop: Cannot print a list; use {{join list ", "}} or {{json list}} (in "a {{ packages }}" at column 3)'],
    ['users', 'loop: expected a list or a "{{ expression }}" giving one, got the string "users"'],
    [42, 'loop: expected a list or a "{{ expression }}" giving one, got a number'],
    [{ a: 1 }, 'loop: expected a list or a "{{ expression }}" giving one, got a map'],
    [null, 'loop: expected a list or a "{{ expression }}" giving one, got null'],
  ])('%j is an error naming the origin', (loop, reason) => {
    const err = templateError(() => r.expandLoop(loop, scope, origin));
    expect(err.message).toBe(`roles/web/role.yaml:14:7: ${reason}`);
  });

  it('reports undefined variables with the loop key path', () => {
    const err = templateError(() => r.expandLoop('{{ usres }}', scope, origin));
    expect(err.reason).toBe('loop: Variable "usres" is not defined (did you mean "users"?) (in "{{ usres }}" at column 4)');
  });
});
