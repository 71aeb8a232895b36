/**
 * Reading what a database drill recorded (pure, tested): the acknowledged-rows writer's log
 * (bench/db/acked-writer.php), which acknowledged rows a server lacks, an HTTP probe loop's log
 * (one "<unix time> <status>" line per request) and its outage window.
 */

export interface WriterLog {
  /** Ids the server acknowledged, with when. */
  acked: { id: number; at: number }[];
  /** Ids whose connection broke before an answer: committed or not, both are right. */
  ambiguous: number[];
  /** Ids the server refused (it answered an error): never committed. */
  refused: number[];
}

export function parseWriterLog(text: string): WriterLog {
  const out: WriterLog = { acked: [], ambiguous: [], refused: [] };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!f[0]) continue;
    if (f[0] === '?') out.ambiguous.push(Number(f[1]));
    else if (f[0] === '!') out.refused.push(Number(f[1]));
    else if (/^\d+$/.test(f[0])) out.acked.push({ id: Number(f[0]), at: Number(f[2]) });
  }
  return out;
}

/** Acknowledged ids missing from `present` (the target is none). */
export function lostAcked(log: WriterLog, present: Iterable<number>): number[] {
  const have = new Set(present);
  return log.acked.map((a) => a.id).filter((id) => !have.has(id));
}

/** Ids present that were never written or were refused (must be none: a refused insert never commits). */
export function unexpectedRows(log: WriterLog, present: Iterable<number>): number[] {
  const maybe = new Set([...log.acked.map((a) => a.id), ...log.ambiguous]);
  return [...present].filter((id) => !maybe.has(id));
}

/** The longest time without an acknowledgement, from the first ack after `after` back to the last before it. */
export function writeGap(log: WriterLog, after: number): { lastBefore: number; firstAfter: number; seconds: number } | undefined {
  const before = log.acked.filter((a) => a.at <= after).pop();
  const next = log.acked.find((a) => a.at > after);
  if (!before || !next) return undefined;
  return { lastBefore: before.at, firstAfter: next.at, seconds: next.at - before.at };
}

export interface HttpSample {
  at: number;
  status: number;
}

export function parseHttpLog(text: string): HttpSample[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 2 && /^\d+(\.\d+)?$/.test(f[0]!))
    .map((f) => ({ at: Number(f[0]), status: Number(f[1]) }));
}

export interface OutageWindow {
  /** Failed requests (not 200) inside the window. */
  failed: number;
  /** From the last good answer before the first failure to the first good answer after the last one. */
  seconds: number;
  from: number;
  to: number;
  /** Failures outside one contiguous window (should be 0: the site served apart from the switch). */
  stray: number;
}

/** The outage: the span of failures (one window expected), or undefined when every request got 200. */
export function outageWindow(samples: readonly HttpSample[]): OutageWindow | undefined {
  const bad = samples.map((s, i) => (s.status === 200 ? -1 : i)).filter((i) => i >= 0);
  if (!bad.length) return undefined;
  const first = bad[0]!;
  const last = bad[bad.length - 1]!;
  const inside = samples.slice(first, last + 1);
  const from = samples[first - 1]?.at ?? samples[first]!.at;
  const to = samples[last + 1]?.at ?? samples[last]!.at;
  return { failed: bad.length, seconds: to - from, from, to, stray: inside.filter((s) => s.status === 200).length };
}

/** A replica asked for its newest row at `at`: its highest id. */
export interface LagSample {
  at: number;
  maxId: number;
}

/**
 * How far behind the replica was at each sample: the time since the writer got the
 * acknowledgement of the first row the replica did not show yet (0 when it showed every row
 * acknowledged by then).
 */
export function applyLags(log: WriterLog, samples: readonly LagSample[]): number[] {
  const acked = [...log.acked].sort((a, b) => a.id - b.id);
  return samples.map((s) => {
    const missing = acked.find((a) => a.id > s.maxId);
    return missing && missing.at < s.at ? s.at - missing.at : 0;
  });
}

/** The p-th percentile (0-100) of numbers, nearest rank; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
