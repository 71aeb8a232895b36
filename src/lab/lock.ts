/**
 * A lab-wide lock (one file created with O_EXCL holding the owner's pid). Several processes (a
 * user's `wpha lab up`, test workers) may change the lab at once; they take turns. A lock left by
 * a process that no longer exists is stale and is cleared.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { WphaError } from '../errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `what` names the locked thing in the error (default: the lab). */
export async function withLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 20 * 60_000, what = 'the lab'): Promise<T> {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n${new Date().toISOString()}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(lockFile);
      if (holder && !pidAlive(holder.pid)) {
        try {
          unlinkSync(lockFile);
        } catch {
          /* someone else cleared it */
        }
        continue;
      }
      if (Date.now() > deadline) {
        throw new WphaError(`Cannot lock ${what}: "${lockFile}" is held by pid ${holder?.pid ?? '?'} since ${holder?.since ?? '?'}`);
      }
      await sleep(50 + Math.random() * 100);
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lockFile);
    } catch {
      /* already removed */
    }
  }
}

function readHolder(lockFile: string): { pid: number; since: string } | undefined {
  try {
    const [pid, since] = readFileSync(lockFile, 'utf8').split('\n');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, since: since ?? '' } : undefined;
  } catch {
    return undefined;
  }
}
