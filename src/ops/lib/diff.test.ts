import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDir, tempDir } from '../../engine/testing/run-local.js';
import { unifiedDiff } from './diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
  });

  it('matches the hunk diff -u prints for a small change', () => {
    expect(unifiedDiff('a\nb\nc\n', 'a\nB\nc\nd', { oldLabel: 'o', newLabel: 'n' })).toBe('--- o\n+++ n\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n\\ No newline at end of file\n');
  });

  it('describes a new file against empty text', () => {
    expect(unifiedDiff('', 'x\ny\n')).toBe('--- before\n+++ after\n@@ -0,0 +1,2 @@\n+x\n+y\n');
  });

  it('splits distant changes into separate hunks with 3 lines of context', () => {
    const old = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
    const neu = old.replace('l1\n', 'L1\n').replace('l18\n', 'L18\n');
    const d = unifiedDiff(old, neu);
    expect(d.match(/^@@/gm)).toHaveLength(2);
    expect(d).toContain('@@ -1,5 +1,5 @@');
    expect(d).toContain('@@ -16,5 +16,5 @@');
  });

  it('falls back to remove-all/add-all beyond maxEdits, still a valid diff', () => {
    const d = unifiedDiff('a\nb\n', 'c\nd\n', { maxEdits: 1 });
    expect(d).toContain('-a\n-b\n+c\n+d\n');
  });

  // Property: `patch` applied to the old text with our diff yields the new text.
  const dir = tempDir();
  afterAll(() => removeTempDir(dir));
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const randomText = (base?: string[]): string[] => {
    if (!base) return Array.from({ length: rnd(30) }, () => `line ${rnd(8)}`);
    const out = [...base];
    for (let e = rnd(6); e > 0; e--) {
      const at = rnd(out.length + 1);
      if (rnd(2) === 0 && out.length) out.splice(at, 1);
      else out.splice(at, 0, `new ${rnd(5)}`);
    }
    return out;
  };
  it.each(Array.from({ length: 40 }, (_, i) => i))('round-trips through patch(1) (case %i)', (i) => {
    const a = randomText();
    const b = randomText(a);
    const oldText = a.join('\n') + (i % 3 === 0 ? '' : '\n');
    const newText = b.join('\n') + (i % 4 === 0 ? '' : '\n');
    const diff = unifiedDiff(oldText, newText);
    const f = join(dir, `t${i}`);
    writeFileSync(f, oldText);
    writeFileSync(`${f}.diff`, diff);
    if (diff !== '') {
      const r = spawnSync('patch', ['-s', '-f', f, `${f}.diff`], { encoding: 'utf8' });
      expect(r.stderr + r.stdout).toBe('');
    }
    expect(readFileSync(f, 'utf8')).toBe(newText);
  });
});
