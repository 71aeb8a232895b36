import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commitAll, realFs, type CommitFs } from './commit.js';

const root = mkdtempSync(path.join(tmpdir(), 'wpha-commit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function setup(name: string): { dir: string; files: string[] } {
  const dir = path.join(root, name);
  const files = ['a.yaml', 'b.yaml', 'c.yaml'].map((f) => path.join(dir, f));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  files.forEach((f, i) => writeFileSync(f, `old ${i}\n`, { mode: i === 0 ? 0o600 : 0o644 }));
  return { dir, files };
}

/** realFs, except that the `nth` call of `op` throws. */
function failing(op: keyof CommitFs, nth: number): CommitFs {
  let calls = 0;
  return {
    ...realFs,
    [op]: (...args: never[]) => {
      if (++calls === nth) throw new Error(`simulated ${op} failure`);
      return (realFs[op] as (...a: never[]) => unknown)(...args);
    },
  } as CommitFs;
}

const contents = (files: string[]) => files.map((f) => readFileSync(f, 'utf8'));

describe('commitAll', () => {
  it('replaces every file, keeps modes, and leaves no temp or backup file', () => {
    const { dir, files } = setup('ok');
    commitAll(files.map((file, i) => ({ file, text: `new ${i}\n` })));
    expect(contents(files)).toEqual(['new 0\n', 'new 1\n', 'new 2\n']);
    expect(statSync(files[0]!).mode & 0o777).toBe(0o600);
    expect(statSync(files[1]!).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).sort()).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
  });

  const failures: [keyof CommitFs, number][] = [
    ['write', 3], // the last temp file cannot be written (disk full)
    ['link', 2],
    ['rename', 1],
    ['rename', 3], // two files already replaced: both must be put back
  ];
  it.each(failures)('changes nothing when %s call %i fails', (op, nth) => {
    const { dir, files } = setup(`${op}-${nth}`);
    expect(() =>
      commitAll(
        files.map((file, i) => ({ file, text: `new ${i}\n` })),
        failing(op, nth),
      ),
    ).toThrow(`simulated ${op} failure`);
    expect(contents(files)).toEqual(['old 0\n', 'old 1\n', 'old 2\n']);
    expect(readdirSync(dir).sort()).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
  });
});
