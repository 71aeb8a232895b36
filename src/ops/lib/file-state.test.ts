import { describe, expect, it } from 'vitest';
import { fileStateProbe, isText, parseFileState } from './file-state.js';

// Outputs recorded from wpha_fstate on Debian 12.
const cases: { name: string; stdout: string; expected: Record<string, unknown> }[] = [
  { name: 'absent', stdout: 'parent=1\ntype=absent\n', expected: { parentExists: true, type: 'absent' } },
  { name: 'absent, no parent', stdout: 'parent=0\ntype=absent\n', expected: { parentExists: false, type: 'absent' } },
  {
    name: 'regular file with sha',
    stdout: 'parent=1\nstat=regular file|644|0|0|root|root|4\nsha256=a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447\n',
    expected: { type: 'file', mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root', size: 4, sha256: 'a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447' },
  },
  {
    name: 'empty file with content',
    stdout: 'parent=1\nstat=regular empty file|600|33|33|www-data|www-data|0\nsha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\ncontent=\n',
    expected: { type: 'file', mode: '0600', owner: 'www-data', size: 0, content: Buffer.alloc(0) },
  },
  { name: 'directory with setgid', stdout: 'parent=1\nstat=directory|2775|0|50|root|staff|4096\n', expected: { type: 'directory', mode: '2775', group: 'staff' } },
  {
    name: 'symlink',
    stdout: 'parent=1\nlink=L2V0Yy9uZ2lueC9zaXRlcy1hdmFpbGFibGUvZGVmYXVsdA==\nstat=symbolic link|777|0|0|root|root|34\n',
    expected: { type: 'link', linkTarget: '/etc/nginx/sites-available/default' },
  },
  {
    name: 'followed symlink',
    stdout: 'parent=1\nlink=dGFyZ2V0\nresolved=L3RtcC94L3RhcmdldA==\nstat=regular file|644|0|0|root|root|1\nsha256=abc\n',
    expected: { type: 'file', linkTarget: 'target', resolvedPath: '/tmp/x/target', sha256: 'abc' },
  },
  { name: 'fifo', stdout: 'parent=1\nstat=fifo|644|0|0|root|root|0\n', expected: { type: 'other' } },
  { name: 'binary skipped', stdout: 'parent=1\nstat=regular file|644|0|0|root|root|4\nsha256=x\ncontent_skipped=binary\n', expected: { contentSkipped: 'binary' } },
  { name: 'unknown owner', stdout: 'parent=1\nstat=regular file|644|1234|1234|UNKNOWN|UNKNOWN|1\nsha256=x\n', expected: { uid: 1234, owner: 'UNKNOWN' } },
];

describe('parseFileState', () => {
  it.each(cases)('$name', ({ stdout, expected }) => {
    expect(parseFileState({ stdout, rc: 0 }, '/x')).toMatchObject(expected);
  });

  it.each([
    ['a failed probe', { stdout: '', rc: 1 }, /probe exit status 1/],
    ['garbage', { stdout: 'parent=1\nhello\n', rc: 0 }, /Unexpected probe output/],
    ['an unknown key', { stdout: 'parent=1\nfoo=1\n', rc: 0 }, /Unexpected probe output/],
    ['a truncated answer', { stdout: 'parent=1\n', rc: 0 }, /Incomplete/],
    ['a bad stat line', { stdout: 'parent=1\nstat=regular file|644\n', rc: 0 }, /Unexpected stat output/],
  ])('throws on %s', (_n, out, re) => {
    expect(() => parseFileState(out, '/x')).toThrow(re);
  });
});

describe('fileStateProbe', () => {
  it('quotes the path and passes flags', () => {
    expect(fileStateProbe("/etc/it's here", { content: 'if-differs', want: 'abc' })).toBe(`wpha_fstate '/etc/it'\\''s here' sd abc 262144`);
    expect(fileStateProbe('/etc/x', { content: 'none' })).toBe(`wpha_fstate /etc/x - '' 262144`);
    expect(fileStateProbe('/etc/x', { content: 'always', follow: true })).toBe(`wpha_fstate /etc/x saL '' 8388608`);
  });
});

describe('isText', () => {
  it.each([
    ['plain', 'hello\n', true],
    ['utf-8', 'héllo €\n', true],
    ['NUL', 'a\0b', false],
  ])('%s', (_n, s, want) => expect(isText(Buffer.from(s))).toBe(want));
  it('rejects invalid UTF-8', () => expect(isText(Buffer.from([0xff, 0xfe, 0x41]))).toBe(false));
});
