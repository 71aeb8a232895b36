/**
 * The plan of a rolling replacement (`wpha upgrade`): which hosts each batch replaces, how many
 * new hosts it makes before any old one leaves (surge), how many old ones must leave first
 * (when surge is not allowed), and after which batch a checkpoint pauses the roll. Pure.
 *
 * Capacity: with N serving hosts, at least `minHealthy` of them serve at every moment. A batch
 * replacing b hosts with surge s takes b - s old hosts out before their replacements serve, so
 * it needs N - (b - s) >= minHealthy; a larger batch is split into batches that fit (and the
 * plan says so). When not even one host fits, the roll cannot start.
 */
import { batchSizes, type BatchEntry } from '../rollout/batch-size.js';
import { WphaError, ExitCode } from '../errors.js';

export class PlanError extends WphaError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** A count of hosts, or a percentage of the group ("25%"). */
export type Amount = number | `${number}%`;

export interface Controls {
  batch: BatchEntry[];
  /** New hosts a batch may make before old ones leave. Default: the whole batch (capacity never drops). */
  maxSurge?: Amount;
  /** Hosts that must serve at every moment. Default: 100%. */
  minHealthy?: Amount;
  /** Pause after the batch that reaches each of these percentages of the hosts to replace. */
  checkpoints: number[];
}

export interface PlanHost {
  name: string;
  image: string;
}

export interface PlannedBatch {
  index: number;
  /** Old hosts this batch replaces. */
  replace: string[];
  /** New hosts made (and serving) before any old one of the batch leaves. */
  surge: number;
  /** Old hosts taken out of service before their replacements are made (no surge allowed for them). */
  outFirst: string[];
  /** Checkpoint (percent) reached at the end of this batch: the roll pauses there. */
  pauseAt?: number;
}

export interface RolloutPlan {
  group: string;
  image: string;
  /** Serving hosts of the group. */
  size: number;
  /** Hosts already on the image: left alone. */
  skip: string[];
  minHealthy: number;
  /** Infinity when not limited. */
  maxSurge: number;
  batches: PlannedBatch[];
  notes: string[];
}

/** Progress of a roll being resumed: checkpoints count from where it started. */
export interface Progress {
  done: number;
  total: number;
  passed: number[];
}

export function amountOf(a: Amount, size: number, what: string): number {
  if (typeof a === 'number') {
    if (!Number.isInteger(a) || a < 0) throw new PlanError(`${what} takes a whole number of hosts or a percentage, not "${a}"`);
    return a;
  }
  const p = Number(a.slice(0, -1));
  if (!Number.isFinite(p) || p < 0 || p > 100) throw new PlanError(`${what} takes a percentage from 0% to 100%, not "${a}"`);
  return Math.ceil((size * p) / 100);
}

export function planRollout(group: string, hosts: readonly PlanHost[], image: string, c: Controls, progress?: Progress): RolloutPlan {
  const size = hosts.length;
  const todo = hosts.filter((h) => h.image !== image).map((h) => h.name);
  const skip = hosts.filter((h) => h.image === image).map((h) => h.name);
  const minHealthy = amountOf(c.minHealthy ?? '100%', size, '--min-healthy');
  const maxSurge = c.maxSurge === undefined ? Infinity : amountOf(c.maxSurge, size, '--max-surge');
  const notes: string[] = [];
  if (minHealthy > size) throw new PlanError(`--min-healthy ${c.minHealthy} asks for ${minHealthy} serving hosts, but group "${group}" has ${size}`);
  // The most hosts one batch can replace: its surge, plus the old hosts capacity lets go first.
  const cap = maxSurge + (size - minHealthy);
  const desired = batchSizes(todo.length, c.batch);
  if (todo.length > 0 && cap < 1) {
    throw new PlanError(
      `No batch can proceed: --min-healthy ${c.minHealthy ?? '100%'} keeps all ${size} hosts of group "${group}" serving and --max-surge ${c.maxSurge} makes no new host before an old one leaves; allow a surge (--max-surge 1) or lower --min-healthy`,
    );
  }
  const sizes = desired.flatMap((b) => (b <= cap ? [b] : split(b, cap)));
  if (sizes.length > desired.length)
    notes.push(
      `batches of up to ${Math.max(...desired)} split into batches of at most ${cap} to keep ${minHealthy} of ${size} hosts serving (max surge ${Number.isFinite(maxSurge) ? maxSurge : 'unlimited'})`,
    );
  const checkpoints = [...c.checkpoints].sort((a, b) => a - b);
  const total = progress?.total ?? todo.length;
  let done = progress?.done ?? 0;
  const passed = new Set(progress?.passed ?? []);
  const batches: PlannedBatch[] = [];
  let at = 0;
  sizes.forEach((b, i) => {
    const replace = todo.slice(at, at + b);
    at += b;
    const surge = Math.min(b, maxSurge);
    const batch: PlannedBatch = { index: i + 1, replace, surge, outFirst: replace.slice(surge) };
    done += b;
    const reached = checkpoints.filter((p) => !passed.has(p) && done < total && done * 100 >= p * total);
    if (reached.length) {
      batch.pauseAt = reached.at(-1)!;
      reached.forEach((p) => passed.add(p));
    }
    batches.push(batch);
  });
  return { group, image, size, skip, minHealthy, maxSurge, batches, notes };
}

function split(b: number, cap: number): number[] {
  const out: number[] = [];
  for (let left = b; left > 0; left -= cap) out.push(Math.min(cap, left));
  return out;
}

/** "25%,50%" -> [25, 50]: whole percentages from 1 to 99, each once. */
export function parseCheckpoints(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const out = parts.map((p) => {
    const m = /^(\d{1,2})%$/.exec(p);
    if (!m || Number(m[1]) < 1) throw new PlanError(`--checkpoints takes percentages from 1% to 99% such as "25%,50%", not "${p}"`);
    return Number(m[1]);
  });
  if (new Set(out).size !== out.length) throw new PlanError(`--checkpoints lists a percentage twice: "${text}"`);
  return out;
}

/** "3" -> 3, "25%" -> "25%" (checked by amountOf against the group's size). */
export function parseAmount(text: string, flag: string): Amount {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^\d+(\.\d+)?%$/.test(text)) return text as Amount;
  throw new PlanError(`${flag} takes a number of hosts or a percentage such as "25%", not "${text}"`);
}

export function formatPlan(p: RolloutPlan, opts: { soakSeconds: number; warmupSeconds: number }): string {
  const lines = [
    `Rolling upgrade of group "${p.group}" to image ${p.image}: ${p.size} host(s), ${p.batches.reduce((n, b) => n + b.replace.length, 0)} to replace, at least ${p.minHealthy} serving at every moment`,
  ];
  if (p.skip.length) lines.push(`  already on ${p.image} (left alone): ${p.skip.join(', ')}`);
  for (const n of p.notes) lines.push(`  note: ${n}`);
  for (const b of p.batches) {
    const steps = [
      b.outFirst.length ? `drain and remove ${b.outFirst.join(', ')} first` : '',
      `make ${b.replace.length} host(s) from ${p.image}, converge, gate, serve (warmup ${opts.warmupSeconds} s, soak ${opts.soakSeconds} s)`,
      b.replace.length > b.outFirst.length ? `drain and destroy ${b.replace.slice(0, b.surge).join(', ')}` : '',
      b.pauseAt !== undefined ? `pause at checkpoint ${b.pauseAt}% (wpha upgrade --continue)` : '',
    ].filter(Boolean);
    lines.push(`  batch ${b.index}/${p.batches.length}: ${steps.join('; ')}`);
  }
  if (p.batches.length === 0) lines.push('  nothing to do: every host is on that image');
  return lines.join('\n') + '\n';
}
