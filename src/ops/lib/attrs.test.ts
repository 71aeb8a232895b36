import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { absolutePath, attrChanges, attrFields, attrsFragment, normalizeMode } from './attrs.js';
import type { FileState } from './file-state.js';

const schema = z.object({ path: absolutePath(), ...attrFields() });

describe('file attribute args', () => {
  it.each([
    [
      { path: '/etc/x', mode: '644' },
      { path: '/etc/x', mode: '0644' },
    ],
    [
      { path: '/etc/x', mode: '0750' },
      { path: '/etc/x', mode: '0750' },
    ],
    [
      { path: '/srv/shared', mode: '02775' },
      { path: '/srv/shared', mode: '2775' },
    ],
    [
      { path: '/etc/x', owner: 'www-data', group: '33' },
      { path: '/etc/x', owner: 'www-data', group: '33' },
    ],
  ])('accepts %j', (input, out) => {
    expect(schema.parse(input)).toEqual(out);
  });

  it.each([
    [{ path: '/etc/x', mode: 493 }, /quoted octal string.*493/],
    [{ path: '/etc/x', mode: 'u=rw' }, /symbolic modes/],
    [{ path: '/etc/x', mode: '0999' }, /octal string/],
    [{ path: 'etc/x' }, /absolute path/],
    [{ path: '/etc/x/' }, /must not end with/],
    [{ path: '/etc/../x' }, /"\.\."/],
    [{ path: '/etc/x\ny' }, /newlines/],
    [{ path: '/etc/x', owner: 'root; rm -rf /' }, /owner must be/],
  ])('rejects %j', (input, re) => {
    const r = schema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });
});

describe('attrChanges', () => {
  const state: FileState = { parentExists: true, type: 'file', mode: '0644', uid: 0, gid: 33, owner: 'root', group: 'www-data' };
  it.each([
    [{}, []],
    [{ mode: '644', owner: 'root', group: 'www-data' }, []],
    [{ owner: '0', group: '33' }, []],
    [{ mode: '0600' }, ['mode 0644 -> 0600']],
    [{ owner: 'www-data', group: '0' }, ['owner root -> www-data', 'group www-data -> 0']],
  ])('%j', (want, lines) => expect(attrChanges(want, state)).toEqual(lines));

  it('normalizes modes', () => {
    expect([normalizeMode('644'), normalizeMode('0644'), normalizeMode('02755'), normalizeMode('4755')]).toEqual(['0644', '0644', '2755', '4755']);
  });

  it('builds a quoted wpha_attrs call', () => {
    expect(attrsFragment('/srv/my site', { mode: '0640' })).toBe(`wpha_attrs '/srv/my site' 0640 '' ''`);
  });
});
