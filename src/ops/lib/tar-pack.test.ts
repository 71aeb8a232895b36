import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDir, tempDir } from '../../engine/testing/run-local.js';
import { collectEntries, header, packFolder, splitName } from './tar-pack.js';

const tmp = tempDir('wpha-tar-');
afterAll(() => removeTempDir(tmp));

function tree(root: string): void {
  mkdirSync(join(root, 'mu-plugins'), { recursive: true });
  mkdirSync(join(root, 'themes/shop/assets'), { recursive: true });
  mkdirSync(join(root, '.git'), { recursive: true });
  writeFileSync(join(root, '.git/HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(root, 'mu-plugins/site.php'), '<?php header("X-Site: 1");\n');
  writeFileSync(join(root, 'themes/shop/style.css'), '/* Theme Name: Shop */\n');
  writeFileSync(join(root, 'themes/shop/assets/logo.bin'), Buffer.alloc(1500, 7));
  writeFileSync(join(root, 'themes/shop/build.sh'), '#!/bin/sh\n');
  chmodSync(join(root, 'themes/shop/build.sh'), 0o750);
  symlinkSync('style.css', join(root, 'themes/shop/main.css'));
}

const tar = (args: string[], input?: Buffer) => spawnSync('tar', args, { input, encoding: 'buffer' });

describe('packFolder', () => {
  const a = join(tmp, 'a');
  tree(a);

  it('walks in byte order with normalised modes, skipping excluded names', () => {
    const entries = collectEntries(a, ['.git']);
    expect(entries.map((e) => `${e.type} ${e.name} ${e.mode.toString(8)}`)).toEqual([
      'directory mu-plugins 755',
      'file mu-plugins/site.php 644',
      'directory themes 755',
      'directory themes/shop 755',
      'directory themes/shop/assets 755',
      'file themes/shop/assets/logo.bin 644',
      'file themes/shop/build.sh 755',
      'symlink themes/shop/main.css 777',
      'file themes/shop/style.css 644',
    ]);
    expect(collectEntries(a).map((e) => e.name)).toContain('.git/HEAD');
  });

  it('gives the same bytes for the same content, whatever the times and umask', () => {
    const b = join(tmp, 'b');
    tree(b);
    utimesSync(join(b, 'mu-plugins/site.php'), 1000, 1000);
    chmodSync(join(b, 'themes/shop/style.css'), 0o600);
    chmodSync(join(b, 'themes/shop/build.sh'), 0o700);
    expect(packFolder(b, ['.git']).equals(packFolder(a, ['.git']))).toBe(true);
    writeFileSync(join(b, 'mu-plugins/site.php'), '<?php header("X-Site: 2");\n');
    expect(packFolder(b, ['.git']).equals(packFolder(a, ['.git']))).toBe(false);
  });

  it('is read back by GNU tar exactly: contents, modes, links, owner root', () => {
    const bytes = packFolder(a, ['.git']);
    expect(bytes.length % 512).toBe(0);
    const list = tar(['-tvf', '-'], bytes);
    expect(list.status).toBe(0);
    expect(list.stderr.toString()).toBe('');
    const lines = list.stdout.toString().trim().split('\n');
    expect(lines).toHaveLength(9);
    for (const l of lines) expect(l).toMatch(/ root\/root /);
    const out = join(tmp, 'out');
    mkdirSync(out);
    const x = tar(['-xf', '-', '-C', out], bytes);
    expect(x.status).toBe(0);
    expect(readFileSync(join(out, 'themes/shop/assets/logo.bin')).equals(Buffer.alloc(1500, 7))).toBe(true);
    expect(readFileSync(join(out, 'mu-plugins/site.php'), 'utf8')).toBe('<?php header("X-Site: 1");\n');
    expect(readlinkSync(join(out, 'themes/shop/main.css'))).toBe('style.css');
    expect(statSync(join(out, 'themes/shop/build.sh')).mode & 0o111).not.toBe(0);
  });

  it('splits long names into ustar prefix + name, and refuses what cannot fit', () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(90)}.php`;
    expect(splitName(long)).toEqual({ prefix: 'd'.repeat(120), name: `${'f'.repeat(90)}.php` });
    expect(splitName('short/name')).toEqual({ prefix: '', name: 'short/name' });
    expect(() => splitName(`a/${'x'.repeat(101)}`)).toThrow(/too long for a tar archive/);
    const deep = join(tmp, 'deep');
    mkdirSync(join(deep, 'd'.repeat(120)), { recursive: true });
    writeFileSync(join(deep, 'd'.repeat(120), `${'f'.repeat(90)}.php`), 'x');
    const out = join(tmp, 'deep-out');
    mkdirSync(out);
    expect(tar(['-xf', '-', '-C', out], packFolder(deep)).status).toBe(0);
    expect(readFileSync(join(out, long), 'utf8')).toBe('x');
  });

  it('writes a checksum tar verifies', () => {
    const h = header({ name: 'x.txt', type: 'file', mode: 0o644, content: Buffer.from('hi') });
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    expect(parseInt(h.subarray(148, 154).toString('ascii'), 8)).toBe(sum);
  });

  it('refuses a fifo', () => {
    const f = join(tmp, 'withfifo');
    mkdirSync(f);
    expect(spawnSync('mkfifo', [join(f, 'pipe')]).status).toBe(0);
    expect(() => packFolder(f)).toThrow(/is not a regular file, folder or symbolic link/);
  });
});
