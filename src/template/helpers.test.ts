import { describe, expect, it } from 'vitest';
import { createRenderer, TemplateError } from './index.js';

const r = createRenderer({ partialDirs: [] });
const vars = Object.assign(Object.create(null), {
  name: 'Shop',
  items: ['a', 'b c', "it's"],
  nums: [3, 1, 2],
  memory_mb: 3968,
  block: 'line1\nline2\n\nline4',
  conf: { user: 'www-data', pools: { main: 5 } },
  port: '8080',
  flag: true,
  off: false,
  empty_map: {},
  empty_list: [],
  zero: 0,
  sites: [{ id: 'a', x: 1 }, { x: 2 }, { id: 'c' }],
});

// [template, expected output]
const outputs: [string, string][] = [
  ['{{eq name "Shop"}} {{eq nums nums}} {{eq 1 "1"}}', 'true true false'],
  ['{{ne name "x"}}', 'true'],
  ['{{and flag name}} {{and flag off}} {{or off zero empty_map}} {{or off 1}}', 'true false false true'],
  ['{{not empty_list}} {{not name}}', 'true false'],
  ['{{default missing "d"}} {{default conf.missing.deeper 0}} {{default name "d"}}', 'd 0 Shop'],
  ['{{join items ", "}}', "a, b c, it's"],
  ['{{join nums "-"}}', '3-1-2'],
  ['{{includes items "b c"}} {{includes items "b"}} {{includes nums 3}} {{includes name "ho"}} {{includes conf "user"}}', 'true false true true true'],
  ['{{#if (includes items "a")}}yes{{/if}}', 'yes'],
  ['x: {{indent 4 block}}', 'x: line1\n    line2\n\n    line4'],
  ['{{indent 2 block first=true}}', '  line1\n  line2\n\n  line4'],
  ['{{upper name}} {{lower name}}', 'SHOP shop'],
  ['{{json conf}}', '{"user":"www-data","pools":{"main":5}}'],
  ['{{json items 1}}', '[\n "a",\n "b c",\n "it\'s"\n]'],
  ['{{quote name}} {{quote "a b"}} {{quote items}}', "Shop 'a b' a 'b c' 'it'\\''s'"],
  ['{{json (pluck sites "id")}} {{json (pluck empty_list "id")}}', '["a","c"] []'],
  ['{{replace name "S" "Wh"}} {{replace "a.b.c" "." "/"}}', 'Whhop a/b/c'],
  ['{{json (concat "u" ":" name 1)}}', '"u:Shop1"'],
  ['{{urlencode "p@ss w&rd=1?#%/\\"!\'()*é"}}', 'p%40ss%20w%26rd%3D1%3F%23%25%2F%22%21%27%28%29%2A%C3%A9'],
  ['{{int port}} {{int "3.9"}} {{int flag}}', '8080 3 1'],
  ['{{join (split "10.0.12.7" ".") "|"}} {{int (lookup (split "10.0.12.7" ".") 3)}} {{length (split "a" ",")}}', '10|0|12|7 7 1'],
  ['{{max 2 7 5}} {{min 2 7 5}}', '7 2'],
  ['{{add 2 3}} {{sub 2 3}}', '5 -1'],
  ['{{mul memory_mb 0.25}} {{div memory_mb 64}} {{div -7 2}}', '992 62 -4'],
  ['pm.max_children = {{max 2 (div (mul memory_mb 70) (mul 100 64))}}', 'pm.max_children = 43'],
  ['{{length items}} {{length conf}} {{length "héllo"}}', '3 2 5'],
  ['{{lookup conf "user"}} {{lookup nums 1}}', 'www-data 1'],
  ['{{#if empty_map}}yes{{else}}no{{/if}} {{#if zero}}yes{{else}}no{{/if}} {{#unless off}}u{{/unless}}', 'no no u'],
  ['{{#each conf.pools}}{{@key}}={{this}}{{/each}}', 'main=5'],
  ['{{#with conf}}{{user}}{{/with}}', 'www-data'],
  ['{{#each items}}{{#if @first}}[{{/if}}{{this}}{{#if @last}}]{{else}},{{/if}}{{/each}}', "[a,b c,it's]"],
  ['  {{~name~}}  !', 'Shop!'],
];

// [template, the start of the reason]
const failures: [string, string][] = [
  ['{{div 1 0}}', 'Helper "div" cannot divide by zero'],
  ['{{eq 1}}', 'Helper "eq" takes 2 arguments, got 1'],
  ['{{join name ","}}', 'Helper "join" expects a list, got a string'],
  ['{{includes zero 1}}', 'Helper "includes" needs a list, string or map to search in, got a number'],
  ['{{upper nums}}', 'Helper "upper" expects a string, got a list'],
  ['{{pluck name "id"}}', 'Helper "pluck" expects a list of maps, got a string'],
  ['{{mul port 2}}', 'Helper "mul" expects numbers, got a string "8080"; convert it with (int x)'],
  ['{{int "abc"}}', 'Helper "int" cannot convert "abc" to an integer'],
  ['{{indent -1 block}}', 'Helper "indent" expects a width of 0 or more, got -1'],
  ['{{json missing}}', 'Variable "missing" is not defined'],
  ['{{json (default missing undefined)}}', 'Helper "json" cannot print undefined as JSON'],
  ['{{#if flag name}}x{{/if}}', '#if takes 1 argument, got 2'],
  ['{{if flag}}', '"if" must be used as a block'],
  ['{{lookup name "x"}}', 'Helper "lookup" cannot read "x" of a string'],
  ['{{lookup conf "usr"}}', 'Helper "lookup": key "usr" is not defined (did you mean "user"?)'],
  ['{{nosuch name}}', 'Unknown helper "nosuch"'],
  ['{{upper (nosuch name)}}', 'Unknown helper "nosuch"'],
];

describe('helpers', () => {
  it.each(outputs)('%s', (src, expected) => {
    expect(r.renderString(src, vars, { origin: 't:1:1' })).toBe(expected);
  });

  it.each(failures)('%s fails', (src, reason) => {
    let err: unknown;
    try {
      r.renderString(src, vars, { origin: 't:1:1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).reason.startsWith(reason)).toBe(true);
  });
});
