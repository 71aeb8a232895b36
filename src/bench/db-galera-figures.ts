/**
 * The arithmetic of the Galera bench (pure, tested): the writer's log read back, apply lag from
 * samples of what another node shows, the longest stall between two acknowledgements, the time
 * from a kill to the first acknowledged write, rows acknowledged and missing, and the report.
 */

export interface WriterLog {
  /** Acknowledged ids, in order, with when (unix s) and through which node. */
  acked: { id: number; at: number; host: string }[];
  /** Ids whose connection broke before the answer (may or may not have committed). */
  unknown: number[];
}

/** The lines of bench/db/acked-writer.py's --out file. */
export function parseWriterLog(text: string): WriterLog {
  const log: WriterLog = { acked: [], unknown: [] };
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (/^\d+$/.test(f[0] ?? '') && f.length >= 3) log.acked.push({ id: Number(f[0]), host: f[1]!, at: Number(f[2]) });
    else if (f[0] === '?' && f[1]) log.unknown.push(Number(f[1]));
  }
  return log;
}

/** A reading of another node: at `at` (unix s) its newest row had id `maxId`. */
export interface LagSample {
  at: number;
  maxId: number;
}

/**
 * Apply lag per sample: how long ago the newest row the node showed was acknowledged by the
 * writer's node, minus nothing it could not have had (ids acknowledged after the sample are
 * ignored). A node that shows the newest acknowledged row has lag 0.
 */
export function applyLags(log: WriterLog, samples: readonly LagSample[]): number[] {
  const byId = new Map(log.acked.map((a) => [a.id, a.at]));
  const out: number[] = [];
  for (const s of samples) {
    const before = log.acked.filter((a) => a.at <= s.at);
    if (!before.length) continue;
    const newest = before[before.length - 1]!;
    if (s.maxId >= newest.id) {
      out.push(0);
      continue;
    }
    // The first acknowledged row the node did not show yet: it has been waiting since then.
    const waiting = before.find((a) => a.id > s.maxId);
    out.push(Math.max(0, (s.at - (waiting ? byId.get(waiting.id)! : s.at)) * 1000));
  }
  return out;
}

/** The longest time (ms) between two consecutive acknowledgements within [from, to]. */
export function longestGap(log: WriterLog, from: number, to: number): number {
  const times = log.acked.map((a) => a.at).filter((t) => t >= from && t <= to);
  let gap = 0;
  let prev = from;
  for (const t of times) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return gap * 1000;
}

/** Time (ms) from `t` to the first write acknowledged after it (optionally through `host`). */
export function firstAckAfter(log: WriterLog, t: number, host?: string): number | undefined {
  const a = log.acked.find((x) => x.at > t && (host === undefined || x.host === host));
  return a ? (a.at - t) * 1000 : undefined;
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface GaleraBenchFigures {
  nodes: string[];
  applyMs?: number;
  rate: number;
  loadSeconds: number;
  achievedRate?: number;
  lagMs?: { p50: number; p99: number; max: number; samples: number };
  maxRecvQueue?: number;
  flowControlPaused?: number;
  /** Kill -9 of a node the client does not write to: the longest stall of acknowledgements. */
  otherKilledStallMs?: number;
  otherRejoinMs?: number;
  otherRejoinedBy?: string;
  /** Kill -9 of the node the client writes to: kill to the first write acknowledged by another node. */
  writerKilledFirstWriteMs?: number;
  acked?: number;
  unknown?: number;
  lost?: number;
  findings: string[];
  load: { start: number; end?: number };
}

const s = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const msText = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? 'n/a' : `${Math.round(ms)} ms`);

export function renderGaleraReport(f: GaleraBenchFigures): string[] {
  const lines = [
    '',
    `Galera bench: ${f.nodes.length} data nodes (${f.nodes.join(', ')}), machine load ${f.load.start.toFixed(1)} -> ${f.load.end?.toFixed(1) ?? '?'}`,
    `  first apply (fresh hosts to a Synced cluster)       ${s(f.applyMs)}`,
    `  write load: ${f.rate}/s asked for ${f.loadSeconds} s, ${f.achievedRate === undefined ? 'n/a' : `${f.achievedRate.toFixed(0)}/s`} acknowledged`,
    `  apply lag on the other nodes (p50 / p99 / max)      ${msText(f.lagMs?.p50)} / ${msText(f.lagMs?.p99)} / ${msText(f.lagMs?.max)} (${f.lagMs?.samples ?? 0} samples)`,
    `  largest apply queue / flow control paused           ${f.maxRecvQueue ?? 'n/a'} write sets / ${f.flowControlPaused === undefined ? 'n/a' : `${(f.flowControlPaused * 100).toFixed(1)}%`}`,
    `  kill -9 of another node: writes stalled             ${s(f.otherKilledStallMs)} (until it is evicted)`,
    `    it rejoined (Synced again after the kill)          ${s(f.otherRejoinMs)}${f.otherRejoinedBy ? ` by ${f.otherRejoinedBy}` : ''}`,
    `  kill -9 of the written node: first accepted write   ${s(f.writerKilledFirstWriteMs)} (on another node)`,
    `  acknowledged rows: ${f.acked ?? 'n/a'}, lost: ${f.lost ?? 'n/a'} (target 0), connection lost before the answer: ${f.unknown ?? 'n/a'}`,
  ];
  if (f.findings.length) lines.push('  findings:', ...f.findings.map((x) => `    - ${x}`));
  return lines;
}
