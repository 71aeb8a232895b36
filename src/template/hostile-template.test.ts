/**
 * Hostile values meet the renderer: keys that name prototypes (as a template writes them, or as
 * own keys of data parsed from JSON), template text inside a variable's value (it must print as
 * text, never run), and partials. The renderer must refuse or print plainly, and Object.prototype
 * must stay untouched.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prototypeIsClean } from '../../test/hostile/fixture.js';
import { createRenderer } from './index.js';

const root = mkdtempSync(path.join(tmpdir(), 'wpha-hostile-tpl-'));
mkdirSync(path.join(root, 'partials'));
writeFileSync(path.join(root, 'partials', 'show.hbs'), '{{#each m}}{{@key}}={{this}};{{/each}}');
writeFileSync(path.join(root, 'page.hbs'), '[{{> show m=m}}]');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const renderer = createRenderer({ partialDirs: [path.join(root, 'partials')], displayRoot: root });
const origin = 'roles/app/role.yaml:3:5';
/** Data as JSON.parse gives it: "__proto__" becomes an OWN key, the classic pollution vector. */
const hostile = () => JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "ok": "fine"}') as Record<string, unknown>;

describe('the renderer never reaches a prototype', () => {
  it.each([
    ['{{lookup this "constructor"}}', /Helper "lookup": key "constructor" is not defined/],
    ['{{lookup this "__proto__"}}', /Helper "lookup": key "__proto__" is not defined/],
    ['{{lookup m "toString"}}', /Helper "lookup": key "toString" is not defined/],
    ['{{#with m}}{{hasOwnProperty}}{{/with}}', /The name "hasOwnProperty" cannot be used in a template/],
    ['{{m.__defineGetter__}}', /The name "__defineGetter__" cannot be used in a template/],
  ])('%s is refused', (source, message) => {
    expect(() => renderer.renderString(source, { m: { a: 1 } }, { origin })).toThrow(message);
    expect(prototypeIsClean()).toBe(true);
  });

  it('own "__proto__" and "constructor" keys of parsed data are skipped, in a template and through a partial', () => {
    const vars = { m: hostile() };
    expect(renderer.renderString('{{#each m}}{{@key}};{{/each}}', vars, { origin })).not.toContain('polluted');
    expect(renderer.render(path.join(root, 'page.hbs'), vars)).toBe('[ok=fine;]');
    expect(prototypeIsClean()).toBe(true);
  });

  it('task arguments keep such keys as plain keys, never as a prototype', () => {
    const args = renderer.renderArgs(hostile(), { x: 1 }, origin) as Record<string, unknown>;
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(Object.keys(args)).toEqual(['__proto__', 'constructor', 'ok']);
    expect((args as { polluted?: unknown }).polluted).toBeUndefined();
    expect(prototypeIsClean()).toBe(true);
  });

  it('template text inside a value prints as text: it is never rendered a second time', () => {
    const vars = { app_name: '{{ constructor.constructor "return process" }}{{> show}}', list: ['{{ x }}'] };
    expect(renderer.renderString('name={{ app_name }}', vars, { origin })).toBe('name={{ constructor.constructor "return process" }}{{> show}}');
    expect(renderer.renderArgs({ dest: '/srv/{{ app_name }}', loop: '{{ list }}' }, vars, origin)).toEqual({
      dest: '/srv/{{ constructor.constructor "return process" }}{{> show}}',
      loop: ['{{ x }}'],
    });
    expect(prototypeIsClean()).toBe(true);
  });
});
