import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRenderer, resolveInside, TemplateError } from './index.js';

const root = fileURLToPath(new URL('./fixtures/project/', import.meta.url));
const shared = join(root, 'templates/partials');
const rolePartials = join(root, 'roles/nginx/templates/partials');
const tpl = (name: string) => join(root, 'roles/nginx/templates', name);

const tempDirs: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function scope(vars: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null), vars);
}

const vars = scope({
  role_name: 'nginx',
  backends: ['10.0.0.2', '10.0.0.3'],
  php_port: 9000,
  port: 80,
  server_name: 'shop.example',
  server_names: ['shop.example', 'www.shop.example'],
  tls: { cert: '/etc/ssl/shop.pem' },
  facts: { memory_mb: 2048 },
  query: '$args&x=<1>',
  users: [{ name: 'alice', shell: '/bin/bash' }, { name: 'bob' }],
});

function templateError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error('expected a TemplateError');
}

describe('render (files)', () => {
  const r = createRenderer({ partialDirs: [shared, rolePartials], displayRoot: root });

  it('renders a role template with partials and helpers, without HTML escaping', () => {
    expect(r.render(tpl('site.conf.hbs'), vars)).toBe(
      [
        '# Managed by wpha (nginx); nginx header',
        'upstream php {',
        '    server 10.0.0.2:9000;',
        '    server 10.0.0.3:9000;',
        '}',
        'server {',
        '    listen 80;',
        '    server_name shop.example www.shop.example;',
        '    ssl_certificate /etc/ssl/shop.pem;',
        '    client_max_body_size 64m;',
        '    # pm.max_children = 22',
        '    location / {',
        '        try_files $uri $uri/ /index.php?$args&x=<1>;',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('takes the else branch with our truthiness (an empty map is false)', () => {
    const out = r.render(tpl('site.conf.hbs'), scope({ ...vars, tls: {} }));
    expect(out).toContain('    # no TLS\n');
    expect(out).not.toContain('ssl_certificate');
  });

  it('names the template file, line and column of an undefined variable', () => {
    const err = templateError(() => r.render(tpl('bad.conf.hbs'), vars));
    expect(err.message).toBe('roles/nginx/templates/bad.conf.hbs:3:19: Variable "server_nam" is not defined (did you mean "server_name"?)');
    expect(err.location).toEqual({ file: 'roles/nginx/templates/bad.conf.hbs', line: 3, col: 19 });
    expect(err.exitCode).toBe(65);
    expect(err.toIssue(['tasks', 2, 'template'])).toEqual({ location: err.location, path: ['tasks', 2, 'template'], message: err.reason });
  });

  it('names the partial file when the error is inside a partial', () => {
    const err = templateError(() => r.render(tpl('uses-broken.hbs'), vars));
    expect(err.message).toBe('roles/nginx/templates/partials/broken.hbs:2:5: Variable "missing_in_partial" is not defined');
  });

  it('lets a role partial override a shared one, and ignores subfolders', () => {
    expect(r.partialNames).toEqual(['broken', 'header', 'upstream']);
    const sharedOnly = createRenderer({ partialDirs: [shared] });
    expect(sharedOnly.renderString('{{> header}}', vars, { origin: 'x:1:1' })).toBe('# Managed by wpha (nginx); shared header\n');
  });

  it('compiles a template file once per path', () => {
    const dir = tempDir('wpha-tpl-');
    const file = join(dir, 'a.hbs');
    writeFileSync(file, 'v1 {{port}}');
    const fresh = createRenderer({ partialDirs: [] });
    expect(fresh.render(file, vars)).toBe('v1 80');
    writeFileSync(file, 'v2 {{port}}');
    expect(fresh.render(file, vars)).toBe('v1 80');
    expect(createRenderer({ partialDirs: [] }).render(file, vars)).toBe('v2 80');
  });

  it('reports a missing template file as a TemplateError', () => {
    const err = templateError(() => r.render(tpl('nope.hbs'), vars));
    expect(err.message).toMatch(/^roles\/nginx\/templates\/nope\.hbs:1:1: Cannot read the template: ENOENT/);
  });

  it('refuses partial files with unusable names', () => {
    const dir = tempDir('wpha-partials-');
    copyFileSync(join(shared, 'header.hbs'), join(dir, 'bad name.hbs'));
    const err = templateError(() => createRenderer({ partialDirs: [dir], displayRoot: dir }));
    expect(err.message).toBe('bad name.hbs:1:1: Partial file name "bad name.hbs" cannot be used; use letters, digits, "_", "-" and "."');
  });
});

describe('strict variables', () => {
  const r = createRenderer({ partialDirs: [] });
  const origin = 'roles/nginx/role.yaml:12:5';
  const reasonOf = (src: string, v: Record<string, unknown> = vars) => templateError(() => r.renderString(src, v, { origin })).reason;

  it.each([
    ['{{nope}}', 'Variable "nope" is not defined (in "{{nope}}" at column 3)'],
    ['{{ facts.memory_mbb }}', 'Variable "facts.memory_mbb" is not defined (did you mean "facts.memory_mb"?) (in "{{ facts.memory_mbb }}" at column 4)'],
    ['{{a.b.c}}', 'Variable "a.b.c" is not defined (in "{{a.b.c}}" at column 3)'],
    ['{{#if nope}}x{{/if}}', 'Variable "nope" is not defined (in "{{#if nope}}x{{/if}}" at column 7)'],
    ['{{#each nope}}x{{/each}}', 'Variable "nope" is not defined (in "{{#each nope}}x{{/each}}" at column 9)'],
    ['{{join nope ","}}', 'Variable "nope" is not defined (in "{{join nope \\",\\"}}" at column 8)'],
    ['{{upper (default nope nope2)}}', 'Variable "nope2" is not defined (in "{{upper (default nope nope2)}}" at column 23)'],
    ['x\n{{#each backends}}{{nope}}{{/each}}', 'Cannot read "nope" of "this": it is a string (in "{{#each backends}}{{nope}}{{/each}}" at line 2, column 21)'],
    ['{{facts.memory_mb.x}}', 'Cannot read "x" of "facts.memory_mb": it is a number (in "{{facts.memory_mb.x}}" at column 3)'],
    ['{{@index}}', 'Variable "@index" is not defined (in "{{@index}}" at column 3)'],
    ['{{#each users as |u|}}{{u.nmae}}{{/each}}', 'Variable "u.nmae" is not defined (did you mean "u.name"?) (in "{{#each users as |u|}}{{u.nmae}}{{/each}}" at column 25)'],
    ['{{#each users as |u|}}{{upper u.x.y}}{{/each}}', 'Variable "u.x.y" is not defined (in "{{#each users as |u|}}{{upper u.x.y}}{{/each}}" at column 31)'],
  ])('%s', (src, reason) => {
    expect(reasonOf(src)).toBe(reason);
  });

  it('prefixes the origin and the key path', () => {
    const err = templateError(() => r.renderString('{{ nope }}', vars, { origin, path: ['args', 'name'] }));
    expect(err.message).toBe('roles/nginx/role.yaml:12:5: args.name: Variable "nope" is not defined (in "{{ nope }}" at column 4)');
    expect(err.location).toEqual({ file: 'roles/nginx/role.yaml', line: 12, col: 5 });
  });

  it('lets default() and data variables inside blocks through', () => {
    const out = r.renderString('{{default nope "d"}} {{default facts.x.y 1}} {{#each backends}}{{@index}}={{this}} {{/each}}{{@root.port}}', vars, { origin });
    expect(out).toBe('d 1 0=10.0.0.2 1=10.0.0.3 80');
  });

  it('handles ../ paths over primitive items with a null-prototype scope', () => {
    const nested = scope({ port: 80, backends: ['a', 'b'], host: scope({ name: 'web1' }) });
    expect(r.renderString('{{#each backends}}{{this}}:{{../port}}:{{../host.name}} {{/each}}', nested, { origin })).toBe('a:80:web1 b:80:web1 ');
  });

  it('reads below block params, with default() still lenient there', () => {
    const src = '{{#each users as |u i|}}{{i}}:{{u.name}}:{{default u.shell "-"}} {{/each}}';
    expect(r.renderString(src, vars, { origin })).toBe('0:alice:/bin/bash 1:bob:- ');
  });

  it('reads null-prototype maps and Maps, and still locates errors inside them', () => {
    const nested = scope({ host: scope({ name: 'web1' }), map: new Map([['k', 'v']]) });
    expect(r.renderString('{{host.name}} {{map.k}} {{lookup map "k"}}', nested, { origin })).toBe('web1 v v');
    expect(reasonOf('{{host.nmae}}', nested)).toBe('Variable "host.nmae" is not defined (did you mean "host.name"?) (in "{{host.nmae}}" at column 3)');
    expect(reasonOf('{{map.x}}', nested)).toBe('Variable "map.x" is not defined (did you mean "map.k"?) (in "{{map.x}}" at column 3)');
  });

  it('refuses to print lists and maps, prints scalars plainly', () => {
    expect(reasonOf('{{backends}}')).toBe('Cannot print a list; use {{join list ", "}} or {{json list}} (in "{{backends}}" at column 1)');
    expect(reasonOf('{{facts}}')).toBe('Cannot print a map; use {{json map}} or name one of its keys (in "{{facts}}" at column 1)');
    expect(r.renderString('{{a}}|{{b}}|{{c}}|{{d}}', scope({ a: true, b: null, c: 1.5, d: '<&>' }), { origin })).toBe('true||1.5|<&>');
  });

  it('reports syntax errors with the line', () => {
    const err = templateError(() => r.renderString('ok\n{{#if port}}', vars, { origin }));
    expect(err.reason).toMatch(/^Syntax error: Expecting .* got 'EOF'\n/);
    expect(err.reason).toMatch(/at line 2, column 1\)$/);
    const mismatch = templateError(() => r.renderString('{{#if port}}x{{/each}}', vars, { origin }));
    expect(mismatch.reason).toBe(`if doesn't match each (in "{{#if port}}x{{/each}}" at column 4)`);
  });
});

describe('prototype safety', () => {
  const r = createRenderer({ partialDirs: [] });
  const origin = 'roles/x/role.yaml:1:1';
  const objectWithOwnKeys = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "own"}');

  it.each([
    ['{{constructor}}', 'The name "constructor" cannot be used in a template'],
    ['{{__proto__}}', 'The name "__proto__" cannot be used in a template'],
    ['{{this.constructor.name}}', 'The name "constructor" cannot be used in a template'],
    ['{{backends.constructor}}', 'The name "constructor" cannot be used in a template'],
    ['{{toString}}', 'The name "toString" cannot be used in a template'],
    ['{{#with facts}}{{hasOwnProperty}}{{/with}}', 'The name "hasOwnProperty" cannot be used in a template'],
    ['{{@root.__proto__}}', 'The name "__proto__" cannot be used in a template'],
    ['{{[constructor]}}', 'The name "constructor" cannot be used in a template'],
    ['{{lookup facts "constructor"}}', 'Helper "lookup": key "constructor" is not defined'],
    ['{{lookup o "__proto__"}}', 'Helper "lookup": key "__proto__" is not defined'],
    ['{{#each (lookup facts "__proto__")}}x{{/each}}', 'Helper "lookup": key "__proto__" is not defined'],
    ['{{__wpha_capture port}}', 'The name "__wpha_capture" cannot be used in a template'],
    ['{{log port}}', 'Unknown helper "log"'],
  ])('%s fails', (src, reason) => {
    const err = templateError(() => r.renderString(src, scope({ ...vars, o: objectWithOwnKeys }), { origin }));
    expect(err.reason.startsWith(reason)).toBe(true);
    expect(err.message).not.toMatch(/function|native code/);
  });

  it('never leaks through own keys named like prototype properties', () => {
    const err = templateError(() => r.renderString('{{o.constructor}}', scope({ o: objectWithOwnKeys }), { origin }));
    expect(err.reason).toMatch(/^The name "constructor"/);
  });
});

describe('partials stay inside the allowed folders', () => {
  const r = createRenderer({ partialDirs: [shared, rolePartials], displayRoot: root });
  const origin = 'roles/nginx/role.yaml:4:9';
  const allowed = "partials are named by their file name in templates/partials or the role's templates/partials";

  it.each([
    ['{{> ../../etc/passwd}}', `Partial "../../etc/passwd" is not allowed: ${allowed}`],
    ['{{> ../secret}}', `Partial "../secret" is not allowed: ${allowed}`],
    ['{{> "../../secret"}}', `Partial "../../secret" is not allowed: ${allowed}`],
    ['{{> /etc/passwd}}', 'Syntax error: '],
    ['{{> nested/deep}}', `Partial "nested/deep" is not allowed: ${allowed}`],
    ['{{> secret}}', 'Partial "secret" is not defined; available: broken, header, upstream'],
    ['{{> (lookup this "name")}}', 'Dynamic partials ({{> (expression)}}) are not allowed; name the partial'],
    ['{{#> ../x}}y{{/../x}}', `Partial "../x" is not allowed: ${allowed}`],
  ])('%s is refused', (src, reason) => {
    const err = templateError(() => r.renderString(src, vars, { origin }));
    expect(err.reason.startsWith(reason)).toBe(true);
  });

  it('indents a standalone partial like its line', () => {
    const src = 'http {\n    {{> upstream name="app" servers=backends port=php_port}}\n}';
    expect(r.renderString(src, vars, { origin })).toBe('http {\n    upstream app {\n        server 10.0.0.2:9000;\n        server 10.0.0.3:9000;\n    }\n}');
  });

  it('reads list items by index and list length', () => {
    expect(r.renderString('{{backends.[1]}} {{backends.length}}', vars, { origin })).toBe('10.0.0.3 2');
  });

  it('allows inline partials and partial blocks', () => {
    const src = '{{#*inline "item"}}[{{this}}]{{/inline}}{{#each backends}}{{> item}}{{/each}}';
    expect(r.renderString(src, vars, { origin })).toBe('[10.0.0.2][10.0.0.3]');
  });
});

describe('load-time checks', () => {
  const r = createRenderer({ partialDirs: [shared, rolePartials], displayRoot: root });

  it('accepts good templates and strings without variables', () => {
    expect(() => r.checkTemplate(tpl('site.conf.hbs'))).not.toThrow();
    expect(() => r.checkString('{{ users }}', { origin: 'r.yaml:1:1' })).not.toThrow();
  });

  it('finds syntax, helper, partial and name problems before any host is touched', () => {
    expect(() => r.checkString('{{#if x}}', { origin: 'r.yaml:2:3' })).toThrow(/^r\.yaml:2:3: Syntax error/);
    expect(() => r.checkString('{{ nosuch x }}', { origin: 'r.yaml:2:3', path: ['args', 'dest'] })).toThrow(/^r\.yaml:2:3: args\.dest: Unknown helper "nosuch"/);
    expect(() => r.checkString('{{> ../x}}', { origin: 'r.yaml:2:3' })).toThrow(/Partial "\.\.\/x" is not allowed/);
    expect(() => r.checkString('{{ constructor }}', { origin: 'r.yaml:2:3' })).toThrow(/The name "constructor" cannot be used/);
  });
});

describe('resolveInside', () => {
  it('joins paths inside the folder and refuses the rest', () => {
    expect(resolveInside('/r/templates', 'site.conf.hbs')).toBe('/r/templates/site.conf.hbs');
    expect(resolveInside('/r/templates', 'a/../b.hbs')).toBe('/r/templates/b.hbs');
    expect(() => resolveInside('/r/templates', '../secret')).toThrow('Template path "../secret" is outside the folder "/r/templates"');
    expect(() => resolveInside('/r/templates', '/etc/passwd')).toThrow(/outside/);
    expect(() => resolveInside('/r/templates', '')).toThrow(/outside/);
  });
});
