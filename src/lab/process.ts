/**
 * Processes the lab starts: spawned detached, remembered by pid, and ended only by that pid
 * (never by name). A pid is trusted only while /proc/<pid>/cmdline still mentions the path the
 * lab started it with, so a recycled pid is never signalled.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export function startDetached(cmd: string, args: string[], logFile: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`Cannot start "${cmd}"`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** True when `pid` runs and its command line contains `marker`. */
export function isOurProcess(pid: number | undefined, marker: string): boolean {
  if (!pid || pid <= 1) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Send `signal` to our process, wait up to `timeoutMs` for it to go, then SIGKILL it. */
export async function stopProcess(pid: number | undefined, marker: string, opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isOurProcess(pid, marker)) return 'not-running';
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  try {
    process.kill(pid!, opts.signal ?? 'SIGTERM');
  } catch {
    return 'not-running';
  }
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, marker) || isZombie(pid!)) return 'stopped';
    await sleep(50);
  }
  try {
    process.kill(pid!, 'SIGKILL');
  } catch {
    /* already gone */
  }
  for (let i = 0; i < 100 && isOurProcess(pid, marker) && !isZombie(pid!); i++) await sleep(50);
  return 'killed';
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
