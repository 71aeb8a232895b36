// Executes the file prelude with /bin/sh against a temp folder: the probe function's output is
// parsed by the real parser, and the atomic writer's failure paths leave the old file intact.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quote } from '../../shell/quote.js';
import { removeTempDir, runApplyInEngineScript, runScript, tempDir } from '../../engine/testing/run-local.js';
import { fileStateProbe, parseFileState } from './file-state.js';
import { joinSteps, sha256Hex } from './plan-file.js';
import { FILE_PRELUDE } from './prelude.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeTempDir(dir));

function probe(path: string, opts: Parameters<typeof fileStateProbe>[1]) {
  const r = runScript(`${FILE_PRELUDE}\n(\n${fileStateProbe(path, opts)}\n)\n`);
  expect(r.stderr).toBe('');
  return parseFileState(r, path);
}

function put(args: string[]) {
  const src = join(dir, 'src.staged');
  return runScript(`${FILE_PRELUDE}\n( set -eu\nwpha_put ${args.map((a) => quote(a)).join(' ')}\n)\n`, { SRC: src });
}

describe('wpha_fstate', () => {
  it('describes a missing path and whether its parent exists', () => {
    expect(probe(join(dir, 'nope'), { content: 'sha' })).toEqual({ parentExists: true, type: 'absent' });
    expect(probe(join(dir, 'no/such'), { content: 'sha' })).toEqual({ parentExists: false, type: 'absent' });
  });

  it('reports stat fields and sha256 of a regular file', () => {
    const p = join(dir, 'a b.conf');
    writeFileSync(p, 'hello\n');
    chmodSync(p, 0o640);
    const s = probe(p, { content: 'sha' });
    expect(s).toMatchObject({ type: 'file', mode: '0640', size: 6, sha256: sha256Hex('hello\n'), uid: process.getuid!() });
    expect(s.content).toBeUndefined();
  });

  it('sends the old content only when it differs from the wanted sha256', () => {
    const p = join(dir, 'f');
    writeFileSync(p, 'old\n');
    expect(probe(p, { content: 'if-differs', want: sha256Hex('old\n') }).content).toBeUndefined();
    expect(probe(p, { content: 'if-differs', want: sha256Hex('new\n') }).content?.toString()).toBe('old\n');
  });

  it('skips binary and too-large content', () => {
    const bin = join(dir, 'bin');
    writeFileSync(bin, Buffer.from([1, 0, 2, 3]));
    expect(probe(bin, { content: 'if-differs', want: 'x' }).contentSkipped).toBe('binary');
    const big = join(dir, 'big');
    writeFileSync(big, 'x'.repeat(100));
    expect(probe(big, { content: 'always', maxBytes: 99 }).contentSkipped).toBe('too-large');
    expect(probe(big, { content: 'always', maxBytes: 100 }).content?.length).toBe(100);
  });

  it('reports an empty file with empty content', () => {
    const p = join(dir, 'empty');
    writeFileSync(p, '');
    const s = probe(p, { content: 'always' });
    expect(s.size).toBe(0);
    expect(s.content?.length).toBe(0);
  });

  it('reports a symlink, or its target when following', () => {
    writeFileSync(join(dir, 'target'), 'T');
    symlinkSync('target', join(dir, 'link'));
    const plain = probe(join(dir, 'link'), { content: 'sha' });
    expect(plain).toMatchObject({ type: 'link', linkTarget: 'target' });
    expect(plain.sha256).toBeUndefined();
    const followed = probe(join(dir, 'link'), { content: 'sha', follow: true });
    expect(followed).toMatchObject({ type: 'file', linkTarget: 'target', resolvedPath: join(dir, 'target'), sha256: sha256Hex('T') });
  });

  it('describes a directory', () => {
    mkdirSync(join(dir, 'd'), { mode: 0o750 });
    expect(probe(join(dir, 'd'), { content: 'sha' })).toMatchObject({ type: 'directory', mode: '0750' });
  });
});

describe('wpha_put', () => {
  const staged = (content: string) => {
    const p = join(dir, 'src.staged');
    writeFileSync(p, content);
    return p;
  };
  const leftovers = () => readdirSync(dir).filter((n) => n.includes('.wpha-') && !n.endsWith('.wpha-bak'));

  it('creates a file with the default mode 0644', () => {
    const dest = join(dir, 'new.conf');
    const r = put([staged('x=1\n'), dest, '', '', '', '', '', '', '']);
    expect(r).toMatchObject({ rc: 0, stderr: '' });
    expect(readFileSync(dest, 'utf8')).toBe('x=1\n');
    expect(statSync(dest).mode & 0o7777).toBe(0o644);
  });

  it('keeps the old mode when none is given, sets it when given', () => {
    const dest = join(dir, 'f');
    writeFileSync(dest, 'old');
    chmodSync(dest, 0o600);
    expect(put([staged('new'), dest, '', '', '', '', '', '', '']).rc).toBe(0);
    expect(statSync(dest).mode & 0o7777).toBe(0o600);
    expect(put([staged('newer'), dest, '0640', '', '', '', '', '', '']).rc).toBe(0);
    expect(statSync(dest).mode & 0o7777).toBe(0o640);
  });

  it('keeps a dated backup with b', () => {
    const dest = join(dir, 'f');
    writeFileSync(dest, 'old');
    expect(put([staged('new'), dest, '', '', '', 'b', '', '', '']).rc).toBe(0);
    const bak = readdirSync(dir).filter((n) => /^f\.\d{8}T\d{6}\.wpha-bak$/.test(n));
    expect(bak).toHaveLength(1);
    expect(readFileSync(join(dir, bak[0]!), 'utf8')).toBe('old');
    expect(readFileSync(dest, 'utf8')).toBe('new');
  });

  it('leaves the old file intact when validation fails, passing the temp path as $1', () => {
    const dest = join(dir, 'f');
    writeFileSync(dest, 'old');
    const r = put([staged('bad'), dest, '', '', '', '', 'grep -q good "$1"', '', '']);
    expect(r.rc).toBe(1);
    expect(r.stderr).toContain('validation of the new');
    expect(readFileSync(dest, 'utf8')).toBe('old');
    expect(leftovers()).toEqual([]);
    expect(put([staged('good'), dest, '', '', '', '', 'grep -q good "$1"', '', '']).rc).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('good');
  });

  it('refuses to write when the file changed since the probe', () => {
    const dest = join(dir, 'f');
    writeFileSync(dest, 'changed');
    const r = put([staged('edit'), dest, '', '', '', '', '', sha256Hex('probed'), '']);
    expect(r.rc).toBe(1);
    expect(r.stderr).toContain('changed on the host since it was read');
    expect(readFileSync(dest, 'utf8')).toBe('changed');
    expect(put([staged('edit'), dest, '', '', '', '', '', sha256Hex('changed'), '']).rc).toBe(0);
    const r2 = put([staged('x'), join(dir, 'g'), '', '', '', '', '', 'absent', '']);
    expect(r2.rc).toBe(0);
    expect(put([staged('x'), join(dir, 'g'), '', '', '', '', '', 'absent', '']).stderr).toContain('created on the host');
  });

  it('refuses symlinks unless L, and writes the target with L', () => {
    writeFileSync(join(dir, 'target'), 'old');
    symlinkSync('target', join(dir, 'link'));
    const r = put([staged('new'), join(dir, 'link'), '', '', '', '', '', '', '']);
    expect(r.rc).toBe(1);
    expect(r.stderr).toContain('is a symbolic link');
    expect(put([staged('new'), join(dir, 'link'), '', '', '', 'L', '', '', '']).rc).toBe(0);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('new');
  });

  it('moves a temp file from the same directory with m (no copy left behind)', () => {
    const dl = join(dir, '.download.tmp');
    writeFileSync(dl, 'payload');
    const dest = join(dir, 'tool.phar');
    expect(put([dl, dest, '0755', '', '', 'm', '', '', ''])).toMatchObject({ rc: 0, stderr: '' });
    expect(readFileSync(dest, 'utf8')).toBe('payload');
    expect(statSync(dest).mode & 0o7777).toBe(0o755);
    expect(existsSync(dl)).toBe(false);
    writeFileSync(dl, 'bad');
    expect(put([dl, dest, '', '', '', 'm', 'false', '', '']).rc).toBe(1);
    expect(existsSync(dl)).toBe(false);
    expect(readFileSync(dest, 'utf8')).toBe('payload');
  });

  it('fails clearly when the directory does not exist', () => {
    const r = put([staged('x'), join(dir, 'missing/f'), '', '', '', '', '', '', '']);
    expect(r.rc).toBe(1);
    expect(r.stderr).toContain(`directory "${join(dir, 'missing')}" does not exist`);
  });

  it('restores the previous file when the live check fails, with and without a backup', () => {
    const dest = join(dir, 'live.conf');
    for (const flags of ['', 'b']) {
      writeFileSync(dest, 'good');
      const r = put([staged('bad'), dest, '', '', '', flags, '', '', `grep -q good ${quote(dest)}`]);
      expect(r.rc).toBe(1);
      expect(r.stderr).toContain('previous file was put back');
      expect(readFileSync(dest, 'utf8')).toBe('good');
    }
    expect(leftovers()).toEqual([]);
    const fresh = join(dir, 'fresh.conf');
    const r = put([staged('bad'), fresh, '', '', '', '', '', '', 'false']);
    expect(r.stderr).toContain('the new file was removed');
    expect(existsSync(fresh)).toBe(false);
    writeFileSync(dest, 'old');
    expect(put([staged('good new'), dest, '', '', '', '', '', '', `grep -q good ${quote(dest)}`]).rc).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('good new');
    expect(leftovers()).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('sets owner and group (needs root)', () => {
    const dest = join(dir, 'owned');
    expect(put([staged('x'), dest, '0600', 'nobody', 'nogroup', '', '', '', ''])).toMatchObject({ rc: 0, stderr: '' });
    const s = probe(dest, { content: 'none' });
    expect(s).toMatchObject({ owner: 'nobody', group: 'nogroup', mode: '0600' });
  });
});

describe('joinSteps in the engine script', () => {
  it('stops at the first failing step with its status, even where set -e is off', () => {
    const op = { name: 't', summary: '', args: undefined as never, resources: () => [], probe: () => '', parse: () => null, plan: () => ({ changed: false, summary: [] }), prelude: FILE_PRELUDE };
    const r = runApplyInEngineScript(op, { changed: true, summary: [], apply: joinSteps('echo one', 'sh -c "exit 7"', 'echo never') });
    expect(r.rc).toBe(7);
    expect(r.stdout).toBe('one\n');
  });
});
