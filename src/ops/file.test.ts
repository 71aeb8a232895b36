import { describe, expect, it } from 'vitest';
import fileOp from './file.js';
import type { FileState } from './lib/index.js';
import { planContext } from '../engine/testing/run-local.js';

const ctx = planContext();
const parse = (raw: unknown) => fileOp.args.parse(raw);
const absent: FileState = { parentExists: true, type: 'absent' };
const dir = (over: Partial<FileState> = {}): FileState => ({ parentExists: true, type: 'directory', mode: '0755', uid: 0, gid: 0, owner: 'root', group: 'root', ...over });
const reg = (over: Partial<FileState> = {}): FileState => ({ ...dir(), type: 'file', mode: '0644', ...over });
const link = (target: string): FileState => ({ ...dir(), type: 'link', mode: '0777', linkTarget: target });

describe('file args', () => {
  it('defaults to state file, force false', () => {
    expect(parse({ path: '/etc/x' })).toEqual({ path: '/etc/x', state: 'file', force: false });
  });
  it.each([
    [{ path: '/x', state: 'link' }, /needs src/],
    [{ path: '/x', src: '/y' }, /only used with state: link/],
    [{ path: '/x', state: 'link', src: '/y', mode: '0644' }, /no mode of their own/],
    [{ path: '/', state: 'absent' }, /refusing to remove "\/"/],
    [{ path: '/x', state: 'absent', owner: 'root' }, /make no sense/],
    [{ path: '/x', mode: 755 }, /quoted octal string/],
    [{ path: '/x', state: 'dir' }, /Invalid option|expected one of/i],
    [{ path: '/x', recurse: true }, /Unrecognized key/i],
  ])('rejects %j', (raw, re) => {
    const r = fileOp.args.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });
});

describe('file plan', () => {
  const cases: { name: string; args: unknown; state: FileState; summary: string[]; apply?: string[]; warn?: RegExp }[] = [
    {
      name: 'directory: create with attrs',
      args: { path: '/srv/www', state: 'directory', owner: 'www-data', mode: '0750' },
      state: absent,
      summary: ['create directory /srv/www (mode 0750, www-data:root)'],
      apply: ['mkdir -p -- /srv/www', "wpha_attrs /srv/www 0750 www-data ''"],
    },
    {
      name: 'directory: create with parents, no attrs',
      args: { path: '/srv/a/b', state: 'directory' },
      state: { parentExists: false, type: 'absent' },
      summary: ['create directory /srv/a/b and its missing parents (mode 0755)'],
      apply: ['umask 022 || exit $?\nmkdir -p -- /srv/a/b || exit $?'],
    },
    { name: 'directory: converged', args: { path: '/srv', state: 'directory', mode: '755' }, state: dir(), summary: [] },
    {
      name: 'directory: fix mode',
      args: { path: '/srv', state: 'directory', mode: '2775' },
      state: dir(),
      summary: ['/srv: mode 0755 -> 2775'],
      apply: ["wpha_attrs /srv 2775 '' ''"],
    },
    { name: 'file: attrs of an existing file', args: { path: '/etc/x', group: 'adm' }, state: reg(), summary: ['/etc/x: group root -> adm'] },
    {
      name: 'file: missing file fails at apply with a message',
      args: { path: '/etc/x' },
      state: absent,
      summary: ['/etc/x must exist (state: file never creates it)'],
      apply: [`if [ ! -e /etc/x ]; then echo '"/etc/x" does not exist (state: file does not create files; use state: touch or copy)' >&2; exit 1; fi`],
      warn: /does not exist/,
    },
    {
      name: 'touch: create',
      args: { path: '/var/log/x.log', state: 'touch' },
      state: absent,
      summary: ['create empty file /var/log/x.log (mode 0644)'],
      apply: ['umask 022 || exit $?\n: > /var/log/x.log || exit $?'],
    },
    { name: 'touch: existing file is not touched again', args: { path: '/var/log/x.log', state: 'touch' }, state: reg(), summary: [] },
    { name: 'link: create', args: { path: '/etc/a', state: 'link', src: 'b c' }, state: absent, summary: ['link /etc/a -> b c'], apply: ['ln -s -- \'b c\' "$_wpt"', 'mv -fT -- "$_wpt" /etc/a'] },
    { name: 'link: converged', args: { path: '/etc/a', state: 'link', src: '../b' }, state: link('../b'), summary: [] },
    { name: 'link: retarget', args: { path: '/etc/a', state: 'link', src: '/new' }, state: link('/old'), summary: ['relink /etc/a -> /new (was -> /old)'] },
    { name: 'link: force over a file', args: { path: '/etc/a', state: 'link', src: '/b', force: true }, state: reg(), summary: ['replace regular file /etc/a with a link -> /b'] },
    {
      name: 'link: owner on the link itself',
      args: { path: '/etc/a', state: 'link', src: '/b', owner: 'www-data' },
      state: link('/b'),
      summary: ['/etc/a: owner root -> www-data'],
      apply: ['chown -h -- www-data /etc/a'],
    },
    { name: 'absent: file', args: { path: '/etc/a', state: 'absent' }, state: reg(), summary: ['remove regular file /etc/a'], apply: ['rm -f -- /etc/a'] },
    { name: 'absent: directory says recursive', args: { path: '/srv/old', state: 'absent' }, state: dir(), summary: ['remove directory /srv/old and everything in it'], apply: ['rm -rf -- /srv/old'] },
    { name: 'absent: nothing there', args: { path: '/srv/old', state: 'absent' }, state: absent, summary: [] },
  ];
  it.each(cases)('$name', ({ args, state, summary, apply, warn }) => {
    const p = fileOp.plan(parse(args), state, ctx);
    expect(p.changed).toBe(summary.length > 0);
    expect(p.summary).toEqual(summary);
    if (summary.length === 0) expect(p.apply).toBeUndefined();
    for (const a of apply ?? []) expect(p.apply).toContain(a);
    if (warn) expect(p.warnings?.join('\n')).toMatch(warn);
  });

  it.each([
    [{ path: '/etc/a', state: 'directory' }, reg(), /exists and is not a directory \(it is a regular file\)/],
    [{ path: '/etc/a' }, dir(), /is a directory, not a regular file/],
    [{ path: '/etc/a', state: 'link', src: '/b' }, reg(), /set force: true/],
    [{ path: '/etc/a', state: 'link', src: '/b', force: true }, dir(), /refusing to replace it with a link/],
  ])('refuses %j on %j', (args, state, re) => {
    expect(() => fileOp.plan(parse(args), state, ctx)).toThrow(re);
  });

  it('probes without hashing and declares the path as its resource', () => {
    const a = parse({ path: '/srv/www', state: 'directory' });
    expect(fileOp.probe(a, { diff: true })).toBe(`wpha_fstate /srv/www - '' 262144`);
    expect(fileOp.resources(a)).toEqual(['/srv/www']);
  });
});
