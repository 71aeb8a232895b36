/**
 * What `npm run bench:upgrade` prints for each roll (pure): total time, time per phase (summed
 * over batches, and the slowest batch's), requests the client sent during the roll and how many
 * failed.
 */
import type { UpgradeEvent } from '../upgrade/report.js';

export interface RollFigures {
  label: string;
  hosts: number;
  batches: number;
  ms: number;
  exitCode: number;
  events: UpgradeEvent[];
  requests: number;
  failed: number;
  /** Status of the failed requests -> how many (000: no answer within the client's 2 s). */
  failedCodes?: Record<string, number>;
}

export const PHASES = ['create', 'converge', 'gate', 'soak', 'drain', 'destroy'] as const;

/** Per phase: total ms over the roll, and the longest single occurrence. */
export function phaseTimes(events: UpgradeEvent[]): Record<string, { total: number; max: number; count: number }> {
  const out: Record<string, { total: number; max: number; count: number }> = {};
  for (const e of events) {
    if (e.type !== 'phase' || e.batch === undefined) continue;
    const p = (out[e.phase] ??= { total: 0, max: 0, count: 0 });
    p.total += e.ms;
    p.max = Math.max(p.max, e.ms);
    p.count++;
  }
  return out;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function renderRolls(rolls: RollFigures[]): string[] {
  const lines = ['', '== wpha upgrade: replacing web machines behind HAProxy =='];
  for (const r of rolls) {
    const times = phaseTimes(r.events);
    lines.push(
      '',
      `${r.label}: ${r.hosts} host(s) in ${r.batches} batch(es): ${s(r.ms)} (exit ${r.exitCode}); client requests during the roll: ${r.requests}, failed: ${r.failed}${
        r.failed
          ? ` (${Object.entries(r.failedCodes ?? {})
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([c, n]) => `${c} x${n}`)
              .join(', ')})`
          : ''
      }`,
      ...PHASES.map((p) => {
        const t = times[p];
        return `  ${p.padEnd(9)} ${t ? `${s(t.total).padStart(8)} total, ${s(t.max).padStart(7)} slowest of ${t.count}` : '       -'}`;
      }),
    );
  }
  return lines;
}
