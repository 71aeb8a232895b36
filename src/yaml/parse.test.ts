import { describe, expect, it } from 'vitest';
import { formatIssue } from '../errors.js';
import { parseYaml, runawayBracket } from './parse.js';

const lines = (text: string, opts: Parameters<typeof parseYaml>[1] = { file: 't.yaml' }) => parseYaml(text, opts).issues.map(formatIssue);

describe('parseYaml', () => {
  it('returns null-prototype maps and records value and key locations', () => {
    const doc = parseYaml('a:\n  b: 1\n  c: [x, y]\nd:\n', { file: 't.yaml' });
    expect(doc.ok).toBe(true);
    const value = doc.value as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(Object.getPrototypeOf(value.a)).toBeNull();
    expect(value.a!.c).toEqual(['x', 'y']);
    expect(value.d).toBeNull();
    expect(doc.at(['a', 'b'])).toEqual({ file: 't.yaml', line: 2, col: 6 });
    expect(doc.keyAt(['a', 'b'])).toEqual({ file: 't.yaml', line: 2, col: 3 });
    expect(doc.at(['a', 'c', 1])).toEqual({ file: 't.yaml', line: 3, col: 10 });
    // A missing path points at its nearest existing ancestor.
    expect(doc.at(['a', 'zzz', 3])).toEqual({ file: 't.yaml', line: 2, col: 3 });
    expect(doc.at(['d'])).toEqual({ file: 't.yaml', line: 4, col: 1 });
  });

  it('uses the YAML 1.2 core schema (yes/no stay strings)', () => {
    const doc = parseYaml('a: yes\nb: true\nc: 0o17\nd: "8080"\n', { file: 't.yaml' });
    expect(doc.value).toEqual({ a: 'yes', b: true, c: 15, d: '8080' });
  });

  const cases: [string, string, string[]][] = [
    ['syntax error', 'a: [1, 2\nb: 3\n', ['t.yaml:2:1: (document): Invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]']],
    ['duplicate key', 'a: 1\nb: 2\na: 3\n', ['t.yaml:3:1: (document): Duplicate key "a": this map already has an entry with this key']],
    ['duplicate quoted key', 'x:\n  "k: 1": 1\n  "k: 1": 2\n', ['t.yaml:3:3: (document): Duplicate key "k: 1": this map already has an entry with this key']],
    ['several documents', 'a: 1\n---\nb: 2\n', ['t.yaml:2:1: (document): Expected a single YAML document, found several (remove the "---" separators)']],
    ['__proto__ key', 'vars:\n  __proto__: { polluted: true }\n', ['t.yaml:2:3: vars.__proto__: Key "__proto__" is not allowed (it could alter object prototypes)']],
    ['constructor key deep', 'a:\n  - b:\n      constructor: 1\n', ['t.yaml:3:7: a[0].b.constructor: Key "constructor" is not allowed (it could alter object prototypes)']],
    ['unknown tag', 'a: !foo bar\n', ['t.yaml:1:9: a: Unknown tag "!foo": expected "!secret" or "!vault"']],
    ['secret tag on a map', 'a: !secret { b: 1 }\n', ['t.yaml:1:12: a: Tag "!secret" applies to single values, not to maps or lists']],
    ['vault without key', 'a: !vault abcdef\n', ['t.yaml:1:11: a: Cannot decrypt a "!vault" value: no vault key was given']],
    ['complex key', '? [a, b]\n: 1\n', ['t.yaml:1:3: (document): Map keys must be plain strings']],
  ];
  it.each(cases)('reports %s', (_name, text, expected) => {
    expect(lines(text)).toEqual(expected);
  });

  it('refuses an alias bomb', () => {
    const row = (name: string, ref: string) => `${name}: &${name} [${Array(9).fill(ref).join(', ')}]`;
    const text = [row('a', '"lol"'), row('b', '*a'), row('c', '*b'), row('d', '*c'), row('e', '*d')].join('\n') + '\n';
    const doc = parseYaml(text, { file: 'bomb.yaml' });
    expect(doc.ok).toBe(false);
    expect(doc.value).toBeUndefined();
    expect(doc.issues.map(formatIssue)).toEqual(['bomb.yaml:3:8: d[0][0]: Document expands more than 100 aliases; refusing to load it (alias bomb?)']);
  });

  it('allows a few aliases', () => {
    const doc = parseYaml('base: &b { x: 1 }\nuse: *b\n', { file: 't.yaml' });
    expect(doc.value).toEqual({ base: { x: 1 }, use: { x: 1 } });
  });

  it('refuses nesting deeper than the limit', () => {
    const text = 'a: ' + '['.repeat(70) + ']'.repeat(70) + '\n';
    expect(lines(text)).toEqual([`t.yaml:1:67: a${'[0]'.repeat(63)}: Nesting is deeper than 64 levels; refusing to load it`]);
    expect(lines(text.replace('['.repeat(70), '['.repeat(62)).replace(']'.repeat(70), ']'.repeat(62)))).toEqual([]);
  });

  it('turns runaway nesting (5000 brackets, which exhausts the parser) into the nesting message', () => {
    const text = 'a: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n';
    const issues = lines(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^t\.yaml:1:\d+: \(document\): Nesting is deeper than 64 levels; refusing to load it$/);
  });

  it('refuses runaway bracket nesting before the parser sees it, and counts only unclosed levels', () => {
    expect(runawayBracket('a: ' + '['.repeat(1001))).toBe(3 + 1000);
    expect(runawayBracket('a: ' + '[]'.repeat(5000) + ' {{ x }}' + '['.repeat(1000))).toBe(-1);
    expect(lines('x: 1\nb: ' + '{'.repeat(2000))).toEqual(['t.yaml:2:1004: (document): Nesting is deeper than 64 levels; refusing to load it']);
  });

  it('refuses files over the size limit before parsing', () => {
    expect(lines('a: 1234567890\n', { file: 'big.yaml', limits: { maxBytes: 10 } })).toEqual(['big.yaml:1:1: (document): File is 14 bytes, more than the 10 bytes allowed']);
  });

  it('records secret-tagged paths and passes vault values through decryptTag', () => {
    const doc = parseYaml('a: !secret s3cret\nb:\n  c: !vault CIPHER\n', {
      file: 't.yaml',
      decryptTag: (tag, text) => `${tag}:${text.toLowerCase()}`,
    });
    expect(doc.issues).toEqual([]);
    expect(doc.value).toEqual({ a: 's3cret', b: { c: '!vault:cipher' } });
    expect(doc.secretPaths).toEqual([['a'], ['b', 'c']]);
  });

  it('reports a decryption failure with its reason', () => {
    const out = lines('a: !vault X\n', {
      file: 't.yaml',
      decryptTag: () => {
        throw new Error('wrong key');
      },
    });
    expect(out).toEqual(['t.yaml:1:11: a: Cannot decrypt a "!vault" value: wrong key']);
  });
});
