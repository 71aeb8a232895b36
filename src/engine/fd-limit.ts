/**
 * The open-files limit and what it allows. Each host a run handles at once holds a socket (two
 * through a bastion), and the run itself needs a few dozen (Node, the facts and content caches,
 * reports). A run asks for more than the soft limit allows: the soft limit is raised to the hard
 * one (util-linux's prlimit on this process: Node has no setrlimit), and when that is not enough
 * the number of hosts at once is lowered to fit, with a note, rather than failing hosts with
 * EMFILE half-way through.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface FdLimit {
  soft: number;
  hard: number;
}

/** Descriptors a run uses besides its hosts' connections. */
export const FD_RESERVE = 64;
/** Descriptors one host in flight may hold (its connection, and a bastion's). */
export const FDS_PER_HOST = 2;

/** The "Max open files" line of /proc/<pid>/limits. Pure. */
export function parseFdLimit(limits: string): FdLimit | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!m) return undefined;
  const n = (v: string) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}

/** Descriptors `forks` hosts at once need. Pure. */
export function fdsNeeded(forks: number): number {
  return FD_RESERVE + FDS_PER_HOST * forks;
}

/** The most hosts at once a soft limit allows (at least 1). Pure. */
export function forksWithin(soft: number, forks: number): number {
  return Math.max(1, Math.min(forks, Math.floor((soft - FD_RESERVE) / FDS_PER_HOST)));
}

function readLimit(): FdLimit | undefined {
  try {
    return parseFdLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined; // not Linux: nothing to check
  }
}

/**
 * The number of hosts to handle at once: `forks` when the limit allows it (raising the soft limit
 * toward the hard one first), else as many as fit; `note` says what happened when it matters.
 */
export function fitForks(forks: number): { forks: number; note?: string } {
  let limit = readLimit();
  if (!limit || limit.soft >= fdsNeeded(forks)) return { forks };
  if (limit.hard > limit.soft) {
    const want = Math.min(limit.hard, Math.max(fdsNeeded(forks), limit.soft));
    spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${want}:${limit.hard}`], { stdio: 'ignore' });
    limit = readLimit() ?? limit;
    if (limit.soft >= fdsNeeded(forks)) return { forks };
  }
  const fit = forksWithin(limit.soft, forks);
  return { forks: fit, note: `The open-files limit (${limit.soft}, hard ${limit.hard}) allows ${fit} host(s) at once, not --forks ${forks}: raise it (ulimit -n) to go faster` };
}
