import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import getUrlOp, { displayUrl } from './get_url.js';
import { sha256Hex, type FileState } from './lib/index.js';
import { converge, planContext, removeTempDir, runScript, tempDir } from '../engine/testing/run-local.js';

const SHA = 'a'.repeat(64);
const parse = (raw: unknown) => getUrlOp.args.parse(raw);

describe('get_url args', () => {
  it.each([
    [{ url: 'https://x/y', dest: '/x' }, /sha256 is required/],
    [{ url: 'ftp://x/y', dest: '/x', sha256: SHA }, /http:\/\/ or https:\/\//],
    [{ url: 'not a url', dest: '/x', sha256: SHA }, /http:\/\/ or https:\/\//],
    [{ url: 'https://x/y', dest: '/x', sha256: 'abc' }, /64 hexadecimal/],
    [{ url: 'https://x/y', dest: '/x', sha256: SHA, insecure_no_checksum: true }, /cannot be combined/],
  ])('rejects %j', (raw, re) => {
    const r = getUrlOp.args.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });
  it('lower-cases the checksum and defaults the timeout', () => {
    expect(parse({ url: 'https://x/y', dest: '/x', sha256: 'A'.repeat(64) })).toMatchObject({ sha256: SHA, timeout: 60 });
  });
  it('masks credentials in shown URLs', () => {
    expect(displayUrl('https://user:secret@repo.example/a.deb')).toBe('https://***@repo.example/a.deb');
  });
});

describe('get_url plan', () => {
  const file = (sha: string): FileState => ({ parentExists: true, type: 'file', mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root', size: 3, sha256: sha });
  const a = parse({ url: 'https://dl.example/wp.phar', dest: '/usr/local/bin/wp', sha256: SHA, mode: '0755' });
  it('does nothing when the checksum matches (no network)', () => {
    expect(getUrlOp.plan(a, { ...file(SHA), mode: '0755' }, planContext()).changed).toBe(false);
    expect(getUrlOp.probe(a, { diff: true })).toBe(`wpha_fstate /usr/local/bin/wp s '' 262144`);
  });
  it('only fixes the mode when the content is right', () => {
    const p = getUrlOp.plan(a, { ...file(SHA), mode: '0644' }, planContext());
    expect(p.summary).toEqual(['/usr/local/bin/wp: mode 0644 -> 0755']);
    expect(p.apply).toBe(`wpha_attrs /usr/local/bin/wp 0755 '' ''`);
  });
  it('downloads when missing or different, verifying the checksum', () => {
    expect(getUrlOp.plan(a, { parentExists: true, type: 'absent' }, planContext()).summary).toEqual(['download https://dl.example/wp.phar -> /usr/local/bin/wp']);
    const p = getUrlOp.plan(a, file('b'.repeat(64)), planContext());
    expect(p.summary).toEqual(['download https://dl.example/wp.phar -> /usr/local/bin/wp (sha256 differs)']);
    expect(p.apply).toContain(`if [ "$_wph" != ${SHA} ]`);
    expect(p.apply).toContain(`wpha_put "$_wpt" /usr/local/bin/wp 0755 '' '' m`);
  });
  it('without checksum only downloads a missing file', () => {
    const b = parse({ url: 'https://dl.example/x', dest: '/opt/x', insecure_no_checksum: true });
    expect(getUrlOp.plan(b, file('c'), planContext()).changed).toBe(false);
    expect(getUrlOp.plan(b, { parentExists: true, type: 'absent' }, planContext()).summary[0]).toContain('WITHOUT checksum verification');
  });
  it('refuses a symlink at dest', () => {
    expect(() => getUrlOp.plan(a, { parentExists: true, type: 'link', linkTarget: '/x' }, planContext())).toThrow(/symbolic link/);
  });
});

describe('get_url (local, from a loopback HTTP server)', () => {
  let server: ChildProcess;
  let base = '';
  let tmp = '';
  const PAYLOAD = 'fake phar payload\n';
  beforeAll(async () => {
    tmp = tempDir();
    // A separate process: the runner blocks this one while the shell runs.
    server = spawn(process.execPath, [
      '-e',
      `const s=require('http').createServer((q,r)=>{if(q.url==='/ok'){r.end(${JSON.stringify(PAYLOAD)})}else{r.statusCode=404;r.end('no')}});s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`,
    ]);
    base = await new Promise<string>((resolve) => server.stdout!.once('data', (d: Buffer) => resolve(`http://127.0.0.1:${d.toString().trim()}`)));
  });
  afterAll(() => {
    server.kill();
    removeTempDir(tmp);
  });

  it('downloads, verifies, installs with mode, then is unchanged', () => {
    const dest = join(tmp, 'wp');
    const r = converge(getUrlOp, { url: `${base}/ok`, dest, sha256: sha256Hex(PAYLOAD), mode: '0755' }, { engine: true, scratch: tmp });
    expect(r.applied).toMatchObject({ rc: 0, stderr: '' });
    expect(r.replan?.changed).toBe(false);
    expect(readFileSync(dest, 'utf8')).toBe(PAYLOAD);
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    expect(readdirSync(tmp).filter((n) => n.includes('wpha-dl'))).toEqual([]);
  });

  it('refuses a wrong checksum and keeps the old file', () => {
    const dest = join(tmp, 'tool');
    writeFileSync(dest, 'old');
    const r = converge(getUrlOp, { url: `${base}/ok`, dest, sha256: SHA }, { engine: true, scratch: tmp });
    expect(r.applied?.rc).toBe(1);
    // The URL is quoted like in every other message (it was not: the quotes closed the shell string).
    expect(r.applied?.stderr).toContain(`checksum mismatch for "${base}/ok": got ${sha256Hex(PAYLOAD)}, expected ${SHA}\n`);
    expect(readFileSync(dest, 'utf8')).toBe('old');
    expect(readdirSync(tmp).filter((n) => n.includes('wpha-dl'))).toEqual([]);
  });

  it('reports an HTTP error', () => {
    const r = converge(getUrlOp, { url: `${base}/missing`, dest: join(tmp, 'm'), sha256: SHA }, { engine: true, scratch: tmp });
    expect(r.applied?.rc).toBe(1);
    expect(r.applied?.stderr).toMatch(/404[\s\S]*download of ".*\/missing" failed/);
    expect(existsSync(join(tmp, 'm'))).toBe(false);
  });

  it('fails clearly when neither curl nor wget exists', () => {
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    for (const tool of ['mktemp', 'rm']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const a = parse({ url: `${base}/ok`, dest: join(tmp, 'n'), sha256: SHA });
    const plan = getUrlOp.plan(a, { parentExists: true, type: 'absent' }, planContext());
    // The engine's script pins PATH, so run the fragment directly with a PATH lacking both tools.
    const r = runScript(`${getUrlOp.prelude}\n( set -eu\n${plan.apply}\n)\n`, { PATH: bin });
    expect(r.rc).toBe(1);
    expect(r.stderr).toContain('neither curl nor wget is installed on the host');
  });
});
