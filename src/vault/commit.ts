/**
 * Writes several files as one change: either every file gets its new content or none does.
 *   1. every new content goes to a temp file beside its target (same folder, same mode), synced;
 *   2. every target is hard-linked to a backup name (no copy: the old inode stays reachable);
 *   3. temp files are renamed over their targets (each rename is atomic);
 *   4. backups are removed.
 * A failure in 1 or 2 removes what was written and leaves every target untouched; a failure in 3
 * renames the backups back over the targets already replaced. The file system calls are injected
 * so tests can make any one of them fail.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface CommitFs {
  write(file: string, data: string | Buffer, mode: number): void;
  link(existing: string, newPath: string): void;
  rename(from: string, to: string): void;
  unlink(file: string): void;
  /** Permission bits of an existing file, undefined when it does not exist. */
  mode(file: string): number | undefined;
}

export const realFs: CommitFs = {
  write(file, data, mode) {
    const fd = openSync(file, 'wx', mode);
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  link: linkSync,
  rename: renameSync,
  unlink: unlinkSync,
  mode(file) {
    try {
      return statSync(file).mode & 0o7777;
    } catch {
      return undefined;
    }
  },
};

export interface FileChange {
  file: string;
  text: string | Buffer;
}

export function commitAll(changes: readonly FileChange[], fs: CommitFs = realFs, defaultMode = 0o600): void {
  const tag = randomBytes(4).toString('hex');
  const side = (file: string, suffix: string) => path.join(path.dirname(file), `.${path.basename(file)}.wpha-${tag}.${suffix}`);
  const temps: string[] = [];
  const backups: { file: string; backup: string }[] = [];
  const quietUnlink = (f: string) => {
    try {
      fs.unlink(f);
    } catch {
      /* already gone */
    }
  };
  try {
    for (const c of changes) {
      const temp = side(c.file, 'tmp');
      fs.write(temp, c.text, fs.mode(c.file) ?? defaultMode);
      temps.push(temp);
    }
    for (const c of changes) {
      if (fs.mode(c.file) === undefined) continue; // a new file has nothing to back up
      const backup = side(c.file, 'bak');
      fs.link(c.file, backup);
      backups.push({ file: c.file, backup });
    }
  } catch (e) {
    temps.forEach(quietUnlink);
    backups.forEach((b) => quietUnlink(b.backup));
    throw e;
  }
  const renamed: string[] = [];
  try {
    changes.forEach((c, i) => {
      fs.rename(temps[i]!, c.file);
      renamed.push(c.file);
    });
  } catch (e) {
    // Put back what was already replaced; a file that was new is removed again.
    for (const file of renamed) {
      const b = backups.find((x) => x.file === file);
      if (b) fs.rename(b.backup, file);
      else quietUnlink(file);
    }
    temps.slice(renamed.length).forEach(quietUnlink);
    backups.forEach((b) => quietUnlink(b.backup));
    throw e;
  }
  backups.forEach((b) => quietUnlink(b.backup));
}
