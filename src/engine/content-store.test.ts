import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ContentStore } from './content-store.js';
import { Redactor } from '../secrets/redactor.js';
import { editedFileProbe } from '../ops/lib/edit-file.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

// Each test gets its own store folder: a test must pass alone and in any order (the unit
// project runs shuffled), never on what an earlier test left on disk.
function freshStore() {
  const root = mkdtempSync(path.join(tmpdir(), 'wpha-content-'));
  return { root, index: path.join(root, 'index', 'inv', 'web1.json') };
}

describe('ContentStore (file texts kept between runs)', () => {
  const redactor = new Redactor();
  redactor.add('hunter2-secret');

  it('keeps a text by sha256, remembers which path had it, and finds it in a later run', () => {
    const { root, index } = freshStore();
    const s = new ContentStore(root, index, redactor);
    expect(s.knownSha('/etc/php.ini')).toBeUndefined();
    s.put('/etc/php.ini', Buffer.from('memory_limit=128M\n'));
    s.save();
    const later = new ContentStore(root, index, redactor);
    expect(later.knownSha('/etc/php.ini')).toBe(sha('memory_limit=128M\n'));
    expect(later.get(sha('memory_limit=128M\n'))?.toString()).toBe('memory_limit=128M\n');
    expect(statSync(path.join(root, 'blobs', sha('memory_limit=128M\n'))).mode & 0o777).toBe(0o600);
  });

  it('never writes a text that holds a secret the run knows', () => {
    const { root, index } = freshStore();
    const s = new ContentStore(root, index, redactor);
    s.put('/etc/php.ini', Buffer.from('memory_limit=128M\n'));
    s.put('/etc/redis/redis.conf', Buffer.from('requirepass hunter2-secret\n'));
    s.save();
    // The plain text was kept (so the store did write), the one with the secret was not.
    expect(readdirSync(path.join(root, 'blobs'))).toEqual([sha('memory_limit=128M\n')]);
    expect(new ContentStore(root, index, redactor).knownSha('/etc/redis/redis.conf')).toBeUndefined();
  });

  it('ignores a blob whose bytes no longer match its name (the probe then asks for the text)', () => {
    const { root } = freshStore();
    const text = 'never read in this process\n';
    mkdirSync(path.join(root, 'blobs'));
    writeFileSync(path.join(root, 'blobs', sha(text)), 'tampered bytes');
    const otherIndex = path.join(root, 'other-index.json');
    writeFileSync(otherIndex, JSON.stringify({ '/etc/x.ini': sha(text) }));
    const s = new ContentStore(root, otherIndex, redactor);
    expect(s.get(sha(text))).toBeUndefined();
    expect(s.knownSha('/etc/x.ini')).toBeUndefined();
  });

  it('makes the editor probe ask only for a changed text when the text is known', () => {
    const { root, index } = freshStore();
    const first = new ContentStore(root, index, redactor);
    first.put('/etc/php.ini', Buffer.from('memory_limit=256M\n'));
    first.save();
    const s = new ContentStore(root, index, redactor);
    const known = s.knownSha('/etc/php.ini')!;
    expect(known).toBe(sha('memory_limit=256M\n'));
    expect(existsSync(path.join(root, 'blobs', known))).toBe(true);
    expect(editedFileProbe({ path: '/etc/php.ini' }, { diff: false, content: s })).toBe(`wpha_fstate /etc/php.ini sd ${known} 8388608`);
    expect(editedFileProbe({ path: '/etc/other.ini' }, { diff: false, content: s })).toBe("wpha_fstate /etc/other.ini sa '' 8388608");
  });
});
