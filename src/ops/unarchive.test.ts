import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './lib/index.js';
import { packFolder } from './lib/tar-pack.js';
import { converge, localPrepareContext, planContext, removeTempDir, runApplyInEngineScript, runProbeInEngineScript, tempDir, writeRole } from '../engine/testing/run-local.js';
import unarchiveOp, { parseUnarchive, planUnarchive, STAMP, type UnarchivePrepared } from './unarchive.js';

const tmp = tempDir('wpha-unarchive-');
afterAll(() => removeTempDir(tmp));
const role = join(tmp, 'role');
const pctx = localPrepareContext(role);
const prepare = (raw: unknown) => unarchiveOp.prepare!(unarchiveOp.args.parse(raw), pctx);

function customizations(dir: string, marker: string): void {
  mkdirSync(join(dir, 'mu-plugins'), { recursive: true });
  mkdirSync(join(dir, 'themes/shop'), { recursive: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(join(dir, '.git/config'), '[core]\n');
  writeFileSync(join(dir, 'mu-plugins/site.php'), `<?php header('X-Site: ${marker}');\n`);
  writeFileSync(join(dir, 'themes/shop/style.css'), `/* ${marker} */\n`);
}

describe('unarchive: arguments and preparation', () => {
  it('packs a folder (relative to base_dir), skipping excluded names, and names it by sha256', () => {
    const inv = join(tmp, 'inv');
    customizations(join(inv, 'custom'), 'v1');
    const a = prepare({ src: 'custom', base_dir: inv, dest: '/opt/c/v1', exclude: ['.git'] });
    expect(a.kind).toBe('folder');
    expect(a.content.equals(packFolder(join(inv, 'custom'), ['.git']))).toBe(true);
    expect(a.sha256).toBe(sha256Hex(a.content));
    expect(prepare({ src: join(inv, 'custom'), dest: '/opt/c/v1', exclude: ['.git'] }).sha256).toBe(a.sha256);
    expect(prepare({ src: join(inv, 'custom'), dest: '/opt/c/v1' }).sha256).not.toBe(a.sha256);
  });

  it('sends an archive file as it is; relative without base_dir means the role files/', () => {
    writeRole(role, { 'files/site.tar': Buffer.from('not really a tar') });
    const a = prepare({ src: 'site.tar', dest: '/opt/x' });
    expect(a).toMatchObject({ kind: 'archive', sha256: sha256Hex('not really a tar') });
  });

  it('refuses bad arguments and names a missing source', () => {
    expect(unarchiveOp.args.safeParse({ src: 'a', dest: 'relative' }).success).toBe(false);
    expect(unarchiveOp.args.safeParse({ src: 'a', dest: '/' }).success).toBe(false);
    expect(unarchiveOp.args.safeParse({ src: 'a', dest: '/x', exclude: ['a/b'] }).success).toBe(false);
    expect(unarchiveOp.args.safeParse({ src: 'a', dest: '/x', base_dir: 'rel' }).success).toBe(false);
    expect(() => prepare({ src: 'missing', base_dir: tmp, dest: '/x' })).toThrow(/cannot read "missing" \(in ".*"\): ENOENT/);
  });
});

describe('unarchive: probe and plan', () => {
  const a: UnarchivePrepared = { src: 'c', dest: '/opt/c/v1', content: Buffer.from('x'), sha256: sha256Hex('x'), archiveSha256: sha256Hex('x'), kind: 'folder' };

  it('parses what the probe prints', () => {
    expect(parseUnarchive({ stdout: 'absent\n', rc: 0 })).toEqual({ type: 'absent' });
    expect(parseUnarchive({ stdout: `directory\nstamp=${a.sha256}\n`, rc: 0 })).toEqual({ type: 'directory', stamp: a.sha256 });
    expect(parseUnarchive({ stdout: 'directory\n', rc: 0 })).toEqual({ type: 'directory' });
    expect(parseUnarchive({ stdout: 'link\n', rc: 0 })).toEqual({ type: 'link' });
    expect(() => parseUnarchive({ stdout: 'sh: oops\n', rc: 2 })).toThrow(/Unexpected unarchive probe output/);
  });

  it('changes nothing when the stamp matches; refuses what it did not make', () => {
    expect(planUnarchive(a, { type: 'directory', stamp: a.sha256 }, planContext())).toEqual({ changed: false, summary: [] });
    expect(() => planUnarchive(a, { type: 'directory' }, planContext())).toThrow(/is a folder that unarchive did not make/);
    expect(() => planUnarchive(a, { type: 'link' }, planContext())).toThrow(/exists and is not a folder \(it is a symbolic link\)/);
    const fresh = planUnarchive(a, { type: 'absent' }, planContext());
    expect(fresh.summary[0]).toMatch(/^unpack folder c \(1 bytes, sha256 [0-9a-f]{12}\) into \/opt\/c\/v1$/);
    expect(fresh.files).toEqual([{ sha256: a.sha256, content: a.content }]);
    expect(fresh.warnings).toBeUndefined();
    const replaced = planUnarchive(a, { type: 'directory', stamp: 'f'.repeat(64) }, planContext());
    expect(replaced.summary[0]).toMatch(/^replace \/opt\/c\/v1 \(its content changed: sha256 ffffffffffff -> /);
    expect(replaced.warnings?.[0]).toMatch(/replaced in place/);
  });
});

describe('unarchive: on this machine, in the engine script', () => {
  // Every test makes its own source and destination: each stands alone, in any order.
  let n = 0;
  function fresh(marker: string) {
    n++;
    const src = join(tmp, `src${n}`);
    customizations(src, marker);
    return { src, parent: join(tmp, `opt${n}/custom`), dest: join(tmp, `opt${n}/custom/v1`) };
  }
  const lsParent = (parent: string) => spawnSync('ls', ['-A', parent], { encoding: 'utf8' }).stdout.trim();

  it('unpacks, owns, stamps, then changes nothing', () => {
    const { src, dest } = fresh('v1');
    const r = converge(unarchiveOp, { src, dest, exclude: ['.git'], owner: '65534', group: '65534' }, { engine: true, scratch: tmp, prepare: pctx });
    expect(r.applied).toMatchObject({ rc: 0, stderr: '' });
    expect(r.replan?.changed).toBe(false);
    expect(readFileSync(join(dest, 'mu-plugins/site.php'), 'utf8')).toContain('X-Site: v1');
    expect(existsSync(join(dest, '.git'))).toBe(false);
    expect(readFileSync(join(dest, STAMP), 'utf8').trim()).toBe(r.args.sha256);
    expect(statSync(join(dest, 'themes/shop/style.css')).uid).toBe(65534);
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    // Unpacked files carry the time of the unpack, not the archive's time 0.
    expect(statSync(join(dest, 'mu-plugins/site.php')).mtimeMs).toBeGreaterThan(Date.now() - 3_600_000);
  });

  it('replaces changed content whole (a removed file is gone) and leaves no temp folder', () => {
    const { src, parent, dest } = fresh('v1');
    expect(converge(unarchiveOp, { src, dest, exclude: ['.git'] }, { engine: true, scratch: tmp, prepare: pctx }).applied?.rc).toBe(0);
    writeFileSync(join(src, 'mu-plugins/site.php'), "<?php header('X-Site: v2');\n");
    spawnSync('rm', ['-rf', join(src, 'themes')]);
    const r = converge(unarchiveOp, { src, dest, exclude: ['.git'] }, { engine: true, scratch: tmp, prepare: pctx });
    expect(r.plan.changed).toBe(true);
    expect(r.applied?.rc).toBe(0);
    expect(r.replan?.changed).toBe(false);
    expect(readFileSync(join(dest, 'mu-plugins/site.php'), 'utf8')).toContain('X-Site: v2');
    expect(existsSync(join(dest, 'themes'))).toBe(false);
    expect(lsParent(parent)).toBe('v1');
  });

  it('unpacks a gzip archive made by tar', () => {
    const { src, parent } = fresh('v2');
    const arch = join(tmp, 'rel.tar.gz');
    expect(spawnSync('tar', ['-czf', arch, '-C', src, '.']).status).toBe(0);
    const out = join(parent, 'rel');
    const r = converge(unarchiveOp, { src: arch, dest: out }, { engine: true, scratch: tmp, prepare: pctx });
    expect(r.applied?.rc).toBe(0);
    expect(r.replan?.changed).toBe(false);
    expect(readFileSync(join(out, 'mu-plugins/site.php'), 'utf8')).toContain('X-Site: v2');
  });

  it('a broken archive fails and leaves dest as it was', () => {
    const { src, parent, dest } = fresh('v2');
    expect(converge(unarchiveOp, { src, dest, exclude: ['.git'] }, { engine: true, scratch: tmp, prepare: pctx }).applied?.rc).toBe(0);
    const bad = join(tmp, 'bad.tar');
    writeFileSync(bad, Buffer.alloc(700, 0x41));
    const a = unarchiveOp.prepare!(unarchiveOp.args.parse({ src: bad, dest }), pctx);
    const plan = unarchiveOp.plan(a, unarchiveOp.parse(runProbeInEngineScript(unarchiveOp, a), a), planContext());
    const r = runApplyInEngineScript(unarchiveOp, plan);
    expect(r.rc).not.toBe(0);
    expect(r.stderr).toContain(`cannot unpack into "${dest}"`);
    expect(readFileSync(join(dest, 'mu-plugins/site.php'), 'utf8')).toContain('X-Site: v2');
    expect(lsParent(parent)).toBe('v1');
  });

  it('refuses a symlink or a foreign folder at dest', () => {
    const { src, parent } = fresh('v1');
    const foreign = join(parent, 'foreign');
    mkdirSync(foreign, { recursive: true });
    symlinkSync(foreign, join(parent, 'alink'));
    for (const d of [foreign, join(parent, 'alink')]) {
      const a = unarchiveOp.prepare!(unarchiveOp.args.parse({ src, dest: d }), pctx);
      expect(() => unarchiveOp.plan(a, unarchiveOp.parse(runProbeInEngineScript(unarchiveOp, a), a), planContext())).toThrow(/Cannot apply "unarchive" on host "local"/);
    }
  });
});
