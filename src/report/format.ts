/** Text formatting shared by the reporters (pure). */
import type { Recap, RunEvent } from '../engine/events.js';

type TaskEvent = Extract<RunEvent, { type: 'task' }>;

/** One greppable line per task: `HOST | STATUS | ROLE | TASK[ | what changed]`. */
export function taskLine(e: TaskEvent): string {
  const status = e.planned ? 'would change' : e.rescued ? 'failed, rescued' : e.ignored ? 'failed, ignored' : e.status;
  const what = e.status === 'failed' ? (e.error ?? '') : e.summary.join('; ');
  const head = `${e.host} | ${status} | ${e.handler ? `${e.role} (handler)` : e.role} | ${e.task}`;
  const lines = [what ? `${head} | ${firstLine(what)}` : head];
  const rest = restLines(what);
  for (const l of rest) lines.push(`${e.host} |   ${l}`);
  for (const w of e.warnings) lines.push(`${e.host} | warning | ${e.task} | ${w}`);
  return lines.join('\n');
}

export function indentDiff(host: string, diff: string): string {
  return diff
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `${host} |   ${l}`)
    .join('\n');
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}
function restLines(s: string): string[] {
  return s
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
}

export function recapTable(recaps: Record<string, Recap>, ms: number, roundTrips?: Record<string, number>): string {
  const names = Object.keys(recaps).sort();
  const w = Math.max(4, ...names.map((n) => n.length));
  // A run that installed packages or (re)started services says how long the host spent on them,
  // and the rest of the host's time (SSH, probes, planning, file writes: wpha's own share).
  const timed = names.some((n) => recaps[n]!.aptMs || recaps[n]!.serviceMs);
  // Failures a block's rescue took over, and those ignore_errors let by, get their own columns,
  // shown only when there are some.
  const letBy = (['rescued', 'ignored'] as const).filter((k) => names.some((n) => recaps[n]![k]));
  const head = `${'HOST'.padEnd(w)}  ${'ok'.padStart(4)} ${'changed'.padStart(8)} ${'failed'.padStart(7)}${letBy.map((k) => ` ${k.padStart(8)}`).join('')} ${'skipped'.padStart(8)}  unreachable${roundTrips ? '  round trips' : ''}${timed ? '  apt/dpkg  services      rest' : ''}`;
  const secs = (x: number) => `${(x / 1000).toFixed(1)} s`;
  const rows = names.map((n) => {
    const r = recaps[n]!;
    const split = timed
      ? `  ${secs(r.aptMs ?? 0).padStart(8)}  ${secs(r.serviceMs ?? 0).padStart(8)}  ${(r.ms !== undefined ? secs(Math.max(0, r.ms - (r.aptMs ?? 0) - (r.serviceMs ?? 0))) : '-').padStart(8)}`
      : '';
    return `${n.padEnd(w)}  ${String(r.ok).padStart(4)} ${String(r.changed).padStart(8)} ${String(r.failed).padStart(7)}${letBy.map((k) => ` ${String(r[k] ?? 0).padStart(8)}`).join('')} ${String(r.skipped).padStart(8)}  ${(r.unreachable ? 'yes' : 'no').padEnd(11)}${roundTrips ? `  ${String(roundTrips[n] ?? 0).padStart(11)}` : ''}${split}`;
  });
  return ['RECAP', head, ...rows, `total time ${(ms / 1000).toFixed(2)} s`].join('\n');
}
