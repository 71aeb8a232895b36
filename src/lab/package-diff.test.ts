import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diffPackages, formatPackageDiff } from './package-diff.js';
import { overlayLowerDirs, parseDpkgStatus } from './generations.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('image manifests', () => {
  it('parses installed packages from a dpkg status file (config-files and half-installed ones are not installed)', () => {
    expect(parseDpkgStatus(readFileSync(path.join(fixtures, 'dpkg-status.txt'), 'utf8'))).toEqual({
      libssl3: '3.0.22-1~deb12u2',
      openssl: '3.0.22-1~deb12u2',
      tzdata: '2026f-0+deb12u1',
    });
  });

  it('diffs two manifests: changed, added, removed, in name order', () => {
    const d = diffPackages({ openssl: '3.0.20', tzdata: '2026b', curl: '7.88' }, { openssl: '3.0.22', tzdata: '2026b', nginx: '1.22' });
    expect(d).toEqual({ added: [['nginx', '1.22']], removed: [['curl', '7.88']], changed: [['openssl', '3.0.20', '3.0.22']] });
    expect(formatPackageDiff(d)).toBe('  ~ openssl 3.0.20 -> 3.0.22\n  + nginx 1.22\n  - curl 7.88\n');
    expect(formatPackageDiff(diffPackages({ a: '1' }, { a: '1' }))).toBe('  (same packages and versions)\n');
  });

  it('reads the lower layers of overlay mounts from mountinfo', () => {
    const info = readFileSync(path.join(fixtures, 'mountinfo.txt'), 'utf8');
    expect(overlayLowerDirs(info)).toEqual([
      ['/var/cache/wpha/lab/base-bookworm'],
      ['/var/cache/wpha/lab/images/g2/layer', '/var/cache/wpha/lab/images/g1/layer', '/var/cache/wpha/lab/base-bookworm'],
    ]);
  });
});
