import { describe, expect, it } from 'vitest';
import { editLines, splitKeepingEnds, type LineEdit } from './line-edit.js';
import { expandBackrefs, regexError } from './regex.js';

const PHP_INI = `[PHP]
; Maximum amount of memory a script may consume
memory_limit = 128M
;upload_max_filesize = 2M
upload_max_filesize = 2M
post_max_size = 8M

[Date]
;date.timezone =
`;

const REDIS_CONF = `bind 127.0.0.1 -::1
protected-mode yes
port 6379
# maxmemory <bytes>
# maxmemory-policy noeviction
save 3600 1
save 300 100
appendonly no`;

const cases: { name: string; text: string; edit: LineEdit; want: string | null; action?: RegExp }[] = [
  {
    name: 'php.ini: regexp replaces the setting in place',
    text: PHP_INI,
    edit: { state: 'present', regexp: '^memory_limit\\s*=', line: 'memory_limit = 512M' },
    want: PHP_INI.replace('memory_limit = 128M', 'memory_limit = 512M'),
    action: /replace line 3/,
  },
  {
    name: 'php.ini: the LAST match is replaced (commented and live lines both match)',
    text: PHP_INI,
    edit: { state: 'present', regexp: '^;?upload_max_filesize', line: 'upload_max_filesize = 64M' },
    want: PHP_INI.replace('upload_max_filesize = 2M\npost', 'upload_max_filesize = 64M\npost'),
  },
  {
    name: 'php.ini: already set -> unchanged',
    text: PHP_INI,
    edit: { state: 'present', regexp: '^post_max_size', line: 'post_max_size = 8M' },
    want: null,
  },
  {
    name: 'php.ini: insert after a section header',
    text: PHP_INI,
    edit: { state: 'present', regexp: '^date\\.timezone', line: 'date.timezone = UTC', insertafter: '^\\[Date\\]' },
    want: PHP_INI.replace('[Date]\n', '[Date]\ndate.timezone = UTC\n'),
  },
  {
    name: 'php.ini: regexp with a Python named group and backrefs',
    text: PHP_INI,
    edit: { state: 'present', regexp: '^(?P<key>memory_limit)\\s*=\\s*\\d+M$', line: '\\g<key> = 1G', backrefs: true },
    want: PHP_INI.replace('memory_limit = 128M', 'memory_limit = 1G'),
  },
  {
    name: 'backrefs without a match changes nothing',
    text: PHP_INI,
    edit: { state: 'present', regexp: '^opcache\\.enable=(\\d)', line: 'opcache.enable=\\1', backrefs: true },
    want: null,
  },
  {
    name: 'redis.conf: no trailing newline, appended line gets one first',
    text: REDIS_CONF,
    edit: { state: 'present', regexp: '^maxmemory ', line: 'maxmemory 256mb' },
    want: `${REDIS_CONF}\nmaxmemory 256mb\n`,
    action: /append/,
  },
  {
    name: 'redis.conf: insert before the commented policy (last match)',
    text: REDIS_CONF,
    edit: { state: 'present', line: 'maxmemory-policy allkeys-lru', insertbefore: '^# maxmemory' },
    want: REDIS_CONF.replace('# maxmemory-policy', 'maxmemory-policy allkeys-lru\n# maxmemory-policy'),
  },
  {
    name: 'redis.conf: firstmatch inserts after the first match',
    text: REDIS_CONF,
    edit: { state: 'present', line: 'save 60 10000', insertafter: '^save ', firstmatch: true },
    want: REDIS_CONF.replace('save 3600 1\n', 'save 3600 1\nsave 60 10000\n'),
  },
  {
    name: 'redis.conf: default insertafter takes the last match',
    text: REDIS_CONF,
    edit: { state: 'present', line: 'save 60 10000', insertafter: '^save ' },
    want: REDIS_CONF.replace('save 300 100\n', 'save 300 100\nsave 60 10000\n'),
  },
  {
    name: 'redis.conf: absent removes every matching line',
    text: REDIS_CONF,
    edit: { state: 'absent', regexp: '^save ' },
    want: REDIS_CONF.replace('save 3600 1\nsave 300 100\n', ''),
    action: /remove 2 lines/,
  },
  { name: 'absent by exact line', text: 'a\nb\na\n', edit: { state: 'absent', line: 'a' }, want: 'b\n' },
  { name: 'absent with nothing to remove', text: 'a\n', edit: { state: 'absent', regexp: '^z' }, want: null },
  { name: 'exact line present elsewhere, regexp unmatched -> unchanged', text: 'x=1\n', edit: { state: 'present', regexp: '^y=', line: 'x=1' }, want: null },
  { name: 'no regexp, line missing -> EOF', text: 'a\n', edit: { state: 'present', line: 'b' }, want: 'a\nb\n' },
  { name: 'BOF insert', text: 'a\n', edit: { state: 'present', line: '#!/bin/sh', insertbefore: 'BOF' }, want: '#!/bin/sh\na\n', action: /beginning/ },
  { name: 'insertafter pattern not found -> EOF', text: 'a\n', edit: { state: 'present', line: 'b', insertafter: '^zzz' }, want: 'a\nb\n' },
  { name: 'empty file', text: '', edit: { state: 'present', line: 'only' }, want: 'only\n' },
  { name: 'CRLF line kept CRLF when replaced', text: 'k=1\r\nz=2\r\n', edit: { state: 'present', regexp: '^k=', line: 'k=9' }, want: 'k=9\r\nz=2\r\n' },
  { name: 'CRLF exact line counts as present', text: 'k=1\r\n', edit: { state: 'present', line: 'k=1' }, want: null },
];

describe('editLines', () => {
  it.each(cases)('$name', ({ text, edit, want, action }) => {
    const r = editLines(text, edit);
    expect(r.changed).toBe(want !== null);
    expect(r.text).toBe(want ?? text);
    if (action) expect(r.action).toMatch(action);
  });

  it('is idempotent: applying the edit to its own result changes nothing', () => {
    for (const c of cases) {
      const once = editLines(c.text, c.edit).text;
      expect(editLines(once, c.edit).changed, c.name).toBe(false);
    }
  });

  it('gives every host the same answer from its memory of recent texts, whatever the order and however many texts', () => {
    // More texts than it keeps, each edited twice in turn: results recomputed or remembered agree.
    const texts = Array.from({ length: 40 }, (_, i) => `a=${i}\nb=${i % 3}\n`);
    const edits: LineEdit[] = [
      { state: 'present', regexp: '^b=', line: 'b=1' },
      { state: 'absent', regexp: '^a=' },
      { state: 'present', line: 'c=1', insertafter: '^a=' },
    ];
    for (let round = 0; round < 2; round++) {
      for (const [i, t] of texts.entries()) {
        expect(editLines(t, edits[0]!)).toEqual({ text: `a=${i}\nb=1\n`, changed: i % 3 !== 1, action: i % 3 !== 1 ? 'replace line 2' : 'line already present' });
        expect(editLines(t, edits[1]!).text).toBe(`b=${i % 3}\n`);
        expect(editLines(t, edits[2]!).text).toBe(`a=${i}\nc=1\nb=${i % 3}\n`);
      }
    }
    // A text too large to keep is edited all the same.
    const big = `${'# comment\n'.repeat(120_000)}k=1\n`;
    expect(editLines(big, { state: 'present', regexp: '^k=', line: 'k=2' }).text.endsWith('k=2\n')).toBe(true);
    // The same text with an edit differing in one field is a different edit.
    expect(editLines('x=1\n', { state: 'present', line: 'x=2', regexp: '^x=' }).text).toBe('x=2\n');
    expect(editLines('x=1\n', { state: 'present', line: 'x=2' }).text).toBe('x=1\nx=2\n');
  });
});

describe('helpers', () => {
  it('splits lines keeping their ends', () => {
    expect(splitKeepingEnds('a\nb\r\nc')).toEqual(['a\n', 'b\r\n', 'c']);
    expect(splitKeepingEnds('')).toEqual([]);
    expect(splitKeepingEnds('\n\n')).toEqual(['\n', '\n']);
  });
  it('expands backrefs', () => {
    const m = /^(\w+)=(?<v>\d+)$/.exec('k=12')!;
    expect(expandBackrefs('\\1 := \\g<v> \\g<2> \\\\ \\3', m)).toBe('k := 12 12 \\ ');
  });
  it('reports invalid patterns', () => {
    expect(regexError('(')).toMatch(/invalid regular expression "\("/);
    expect(regexError('^a\\-b')).toBeUndefined();
  });
});
