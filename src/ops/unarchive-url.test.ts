/**
 * unarchive from a URL: the host downloads the archive, checks its sha256, drops the release's top
 * folder, skips excluded names, checks required paths, then swaps the folder into place. Run on
 * this machine in the engine's script, from a loopback HTTP server in a child process (the runner
 * blocks this one while the shell runs).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './lib/index.js';
import { converge, localPrepareContext, planContext, removeTempDir, runApplyInEngineScript, runProbeInEngineScript, tempDir } from '../engine/testing/run-local.js';
import unarchiveOp, { STAMP, stampOf } from './unarchive.js';

const tmp = tempDir('wpha-unarchive-url-');
const pctx = localPrepareContext(join(tmp, 'role'));
const SHA = 'b'.repeat(64);
const args = (raw: Record<string, unknown>) => unarchiveOp.args.safeParse({ dest: '/opt/x', ...raw });
const messages = (raw: Record<string, unknown>) => {
  const r = args(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('unarchive url: arguments', () => {
  it('needs exactly one of src and url, and a sha256 with url only', () => {
    expect(messages({ url: 'https://example.org/wp.tar.gz', sha256: SHA })).toEqual([]);
    expect(messages({ url: 'https://example.org/wp.tar.gz' })).toEqual(['sha256: a sha256 is required with url (a download without a checksum is refused)']);
    expect(messages({ src: 'a', url: 'https://example.org/wp.tar.gz', sha256: SHA })).toEqual(['src: give exactly one of src and url']);
    expect(messages({})).toEqual(['src: give exactly one of src and url']);
    expect(messages({ src: 'a', sha256: SHA })).toEqual(['sha256: only applies to url (a controller source is hashed by wpha)']);
    expect(messages({ url: 'ftp://example.org/wp.tar.gz', sha256: SHA })).toEqual(['url: must be an http:// or https:// URL']);
    expect(messages({ url: 'https://example.org/wp.tar.gz', sha256: 'abc' })).toEqual(['sha256: must be 64 hexadecimal digits']);
    expect(messages({ url: 'https://example.org/a', sha256: SHA, require: ['../etc/passwd'] })).toEqual(['require.0: must be a relative path inside the archive']);
  });

  it('stamps the archive sha256, with the unpack options when there are any; masks credentials', () => {
    const plain = unarchiveOp.prepare!(unarchiveOp.args.parse({ url: 'https://u:pw@example.org/wp.tar.gz', sha256: SHA.toUpperCase(), dest: '/opt/x' }), pctx);
    expect(plain).toMatchObject({ kind: 'url', sha256: SHA, archiveSha256: SHA, src: 'https://***@example.org/wp.tar.gz' });
    const stripped = unarchiveOp.prepare!(unarchiveOp.args.parse({ url: 'https://example.org/wp.tar.gz', sha256: SHA, dest: '/opt/x', strip_components: 1 }), pctx);
    expect(stripped.sha256).toBe(stampOf(SHA, { exclude: [], strip: 1, require: [] }));
    expect(stripped.sha256).not.toBe(SHA);
    const plan = unarchiveOp.plan(plain, { type: 'absent' }, planContext());
    expect(plan.summary).toEqual([`unpack archive https://***@example.org/wp.tar.gz (sha256 ${SHA.slice(0, 12)}, downloaded by the host) into /opt/x`]);
    expect(plan.files).toBeUndefined();
    expect(unarchiveOp.plan(plain, { type: 'directory', stamp: SHA }, planContext())).toEqual({ changed: false, summary: [] });
  });
});

describe('unarchive url: on this machine, from a loopback server', () => {
  let server: ChildProcess;
  let base = '';
  const www = join(tmp, 'www');
  const shaOf = (file: string) => sha256Hex(readFileSync(join(www, file)));
  const run = (raw: Record<string, unknown>) => converge(unarchiveOp, raw, { engine: true, scratch: tmp, prepare: pctx });

  beforeAll(async () => {
    // A release the way upstream ships one: a single top folder.
    for (const v of ['1', '2']) {
      const top = join(tmp, `rel${v}/wordpress`);
      mkdirSync(join(top, 'wp-content'), { recursive: true });
      writeFileSync(join(top, 'wp-settings.php'), `<?php // release ${v}\n`);
      writeFileSync(join(top, 'wp-config.php'), '<?php // must not ship\n');
      writeFileSync(join(top, 'wp-content/index.php'), '<?php\n');
      mkdirSync(www, { recursive: true });
      expect(spawnSync('tar', ['-czf', join(www, `wp-${v}.tar.gz`), '-C', join(tmp, `rel${v}`), 'wordpress']).status).toBe(0);
    }
    server = spawn(process.execPath, [
      '-e',
      `const s=require('http').createServer((q,r)=>{try{r.end(require('fs').readFileSync(${JSON.stringify(www)}+q.url))}catch{r.statusCode=404;r.end('no')}});s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`,
    ]);
    base = await new Promise<string>((resolve) => server.stdout!.once('data', (d: Buffer) => resolve(`http://127.0.0.1:${d.toString().trim()}`)));
  });
  afterAll(() => {
    server?.kill();
    removeTempDir(tmp);
  });

  const release = (v: string, dest: string, extra: Record<string, unknown> = {}) => ({
    url: `${base}/wp-${v}.tar.gz`,
    sha256: shaOf(`wp-${v}.tar.gz`),
    dest,
    strip_components: 1,
    exclude: ['wp-config.php'],
    require: ['wp-settings.php'],
    ...extra,
  });

  it('downloads, checks, strips the top folder, skips excluded names; then changes nothing', () => {
    const dest = join(tmp, 'opt1/releases/r1');
    const r = run(release('1', dest));
    expect(r.applied).toMatchObject({ rc: 0, stderr: '' });
    expect(r.replan?.changed).toBe(false);
    expect(readFileSync(join(dest, 'wp-settings.php'), 'utf8')).toContain('release 1');
    expect(existsSync(join(dest, 'wp-config.php'))).toBe(false);
    expect(readFileSync(join(dest, STAMP), 'utf8').trim()).toBe(r.args.sha256);
    expect(readdirSync(join(tmp, 'opt1/releases'))).toEqual(['r1']);
  });

  it('a sha256 mismatch fails naming both sums, and leaves dest as it was', () => {
    const dest = join(tmp, 'opt2/releases/live');
    expect(run(release('1', dest)).applied?.rc).toBe(0);
    // The URL now serves release 2, but the task still names release 1's sha256 with other options.
    const a = unarchiveOp.prepare!(unarchiveOp.args.parse(release('1', dest, { url: `${base}/wp-2.tar.gz`, exclude: [] })), pctx);
    const plan = unarchiveOp.plan(a, unarchiveOp.parse(runProbeInEngineScript(unarchiveOp, a), a), planContext());
    expect(plan.changed).toBe(true);
    const r = runApplyInEngineScript(unarchiveOp, plan);
    expect(r.rc).not.toBe(0);
    expect(r.stderr).toContain(`checksum mismatch for "${base}/wp-2.tar.gz": got ${shaOf('wp-2.tar.gz')}, expected ${shaOf('wp-1.tar.gz')}`);
    expect(readFileSync(join(dest, 'wp-settings.php'), 'utf8')).toContain('release 1');
    expect(readdirSync(join(tmp, 'opt2/releases'))).toEqual(['live']);
  });

  it('a required path missing from the archive fails and changes nothing', () => {
    const dest = join(tmp, 'opt3/releases/r1');
    const r = run(release('1', dest, { strip_components: 0 }));
    expect(r.applied?.rc).not.toBe(0);
    expect(r.applied?.stderr).toContain(`${base}/wp-1.tar.gz holds no "wp-settings.php": nothing was changed`);
    expect(readdirSync(join(tmp, 'opt3/releases'))).toEqual([]);
  });

  it('a failed download fails and leaves no temp folder', () => {
    const dest = join(tmp, 'opt4/r');
    const r = run({ url: `${base}/missing.tar.gz`, sha256: SHA, dest });
    expect(r.applied?.rc).not.toBe(0);
    expect(r.applied?.stderr).toContain(`download of "${base}/missing.tar.gz" failed`);
    expect(readdirSync(join(tmp, 'opt4'))).toEqual([]);
  });
});
