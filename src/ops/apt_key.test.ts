import { afterAll, describe, expect, it } from 'vitest';
import aptKeyOp, { detectKeyFormat } from './apt_key.js';
import { sha256Hex, type FileState } from './lib/index.js';
import { join } from 'node:path';
import { localPrepareContext, planContext, removeTempDir, tempDir, writeRole } from '../engine/testing/run-local.js';

const ARMORED = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF...\n-----END PGP PUBLIC KEY BLOCK-----\n';
const BINARY = Buffer.from([0x99, 0x02, 0x0d, 0x04, 0x5f, 0x00, 0x10, 0x80]);
const tmp = tempDir('wpha-aptkey-');
afterAll(() => removeTempDir(tmp));
const role = join(tmp, 'role');
writeRole(role, { 'files/repo.gpg': BINARY, 'files/not-a-key.txt': 'hello' });
const pctx = localPrepareContext(role);
const prepare = (raw: Record<string, unknown>) => aptKeyOp.prepare!(aptKeyOp.args.parse(raw), pctx);
const absent: FileState = { parentExists: true, type: 'absent' };

describe('apt_key args', () => {
  it.each([
    [{ name: 'x' }, /exactly one of content, src or url/],
    [{ name: 'x', content: ARMORED, src: 'a' }, /exactly one of/],
    [{ name: 'x', url: 'https://k/x.asc' }, /needs its sha256/],
    [{ name: 'x', url: 'https://k/key', sha256: 'a'.repeat(64) }, /say format: armored or binary/],
    [{ name: 'X', content: ARMORED }, /file name/],
  ])('rejects %j', (raw, re) => {
    const r = aptKeyOp.args.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });
  it('reports a URL that does not parse (a template before rendering, or a typo) instead of throwing', () => {
    for (const url of ['{{ repo_base }}/key', 'not a url']) {
      const r = aptKeyOp.args.safeParse({ name: 'x', url, sha256: 'a'.repeat(64) });
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['url', 'must be an http:// or https:// URL']]);
    }
  });
});

describe('apt_key prepare', () => {
  it('detects armored and binary keys and picks the extension', () => {
    expect(prepare({ name: 'proxysql', content: ARMORED })).toMatchObject({ kind: 'content', path: '/etc/apt/keyrings/proxysql.asc', sha256: sha256Hex(ARMORED) });
    expect(prepare({ name: 'repo', src: 'repo.gpg' })).toMatchObject({ kind: 'content', path: '/etc/apt/keyrings/repo.gpg' });
    expect(prepare({ name: 'z', url: 'https://k/key', sha256: 'A'.repeat(64), format: 'armored' })).toEqual({
      name: 'z',
      path: '/etc/apt/keyrings/z.asc',
      kind: 'url',
      url: 'https://k/key',
      sha256: 'a'.repeat(64),
    });
    expect(prepare({ name: 'z', url: 'https://k/k.gpg', sha256: 'a'.repeat(64) })).toMatchObject({ path: '/etc/apt/keyrings/z.gpg' });
  });
  it('refuses things that are not keys, and a wrong sha256', () => {
    expect(() => prepare({ name: 'x', src: 'not-a-key.txt' })).toThrow(/does not look like an OpenPGP public key/);
    expect(() => prepare({ name: 'x', content: ARMORED, sha256: '0'.repeat(64) })).toThrow(/expected 0{64}/);
    expect(() => detectKeyFormat(Buffer.from(''))).toThrow();
  });
});

describe('apt_key plan', () => {
  it('writes an inline key 0644 root:root, without diff', () => {
    const a = prepare({ name: 'proxysql', content: ARMORED });
    const p = aptKeyOp.plan(a, absent, planContext({ diff: true }));
    expect(p.summary).toEqual([`create /etc/apt/keyrings/proxysql.asc (${ARMORED.length} bytes, mode 0644, root:root)`]);
    expect(p.diff).toBeUndefined();
    expect(p.apply).toContain('/etc/apt/keyrings/proxysql.asc 0644 root root');
  });
  it('creates the keyrings directory when missing', () => {
    const a = prepare({ name: 'proxysql', content: ARMORED });
    const p = aptKeyOp.plan(a, { parentExists: false, type: 'absent' }, planContext());
    expect(p.apply?.split('\n')[0]).toBe('install -d -m 0755 -- /etc/apt/keyrings || exit $?');
    expect(p.warnings).toBeUndefined();
  });
  it('downloads a URL key only when the sha256 differs', () => {
    const a = prepare({ name: 'z', url: 'https://user:pw@k/key.asc', sha256: 'b'.repeat(64) });
    const have = (sha: string): FileState => ({ parentExists: true, type: 'file', mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root', sha256: sha });
    expect(aptKeyOp.plan(a, have('b'.repeat(64)), planContext()).changed).toBe(false);
    const p = aptKeyOp.plan(a, have('c'.repeat(64)), planContext());
    expect(p.summary).toEqual(['replace key /etc/apt/keyrings/z.asc from https://***@k/key.asc']);
    expect(p.apply).toContain(`if [ "$_wph" != ${'b'.repeat(64)} ]`);
    expect(p.apply).toContain(`wpha_put "$_wpt" /etc/apt/keyrings/z.asc 0644 root root m`);
  });
});
