/**
 * Waiting for a quiet machine before a timed run. The lab hosts share the controller's CPUs, and
 * what a first apply leaves running for a while (dpkg triggers, services starting, a cron job)
 * would otherwise be timed as part of the next run, of whichever tool comes next. The bench
 * waits until the whole machine was mostly idle over one window (the kernel's own counters in
 * /proc/stat), bounded, and says how long it waited and how busy the machine still was.
 */
import { readFileSync } from 'node:fs';

/** The machine's CPU time counters (all CPUs), in clock ticks: busy and total. */
export interface CpuTicks {
  busy: number;
  total: number;
}

/** Parses the first line of /proc/stat ("cpu  user nice system idle iowait irq softirq steal ..."). */
export function parseCpuTicks(procStat: string): CpuTicks {
  const line = procStat.split('\n', 1)[0] ?? '';
  const f = line.trim().split(/\s+/);
  if (f[0] !== 'cpu' || f.length < 5) throw new Error(`/proc/stat: unexpected first line "${line.slice(0, 80)}"`);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f.slice(1, 9).map(Number) as number[];
  const busy = user! + nice! + system! + irq + softirq + steal;
  return { busy, total: busy + idle! + iowait };
}

/** Share of the CPU time between two readings that was busy (0..1); 0 when no tick passed. */
export function busyShare(a: CpuTicks, b: CpuTicks): number {
  const total = b.total - a.total;
  return total > 0 ? Math.max(0, Math.min(1, (b.busy - a.busy) / total)) : 0;
}

/** The window whose busy share is measured, unless a caller gives another (ms). */
export const QUIET_WINDOW_MS = 1000;

export interface QuietResult {
  /** How long the wait took (ms). */
  waitedMs: number;
  /** Busy share of the last window (0..1). */
  busy: number;
  /** False when the bound was reached first. */
  quiet: boolean;
}

/**
 * Resolves once one `windowMs` window of the machine was at most `maxBusy` busy, or after
 * `maxWaitMs` (then `quiet` is false: the run goes on, and the caller reports it).
 */
export async function waitForQuiet(opts: { maxBusy?: number; windowMs?: number; maxWaitMs?: number; read?: () => string } = {}): Promise<QuietResult> {
  const { maxBusy = 0.1, windowMs = QUIET_WINDOW_MS, maxWaitMs = 60_000 } = opts;
  const read = opts.read ?? (() => readFileSync('/proc/stat', 'utf8'));
  const t0 = Date.now();
  let prev = parseCpuTicks(read());
  for (;;) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = parseCpuTicks(read());
    const busy = busyShare(prev, now);
    const waitedMs = Date.now() - t0;
    if (busy <= maxBusy) return { waitedMs, busy, quiet: true };
    if (waitedMs >= maxWaitMs) return { waitedMs, busy, quiet: false };
    prev = now;
  }
}
