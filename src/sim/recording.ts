/**
 * Answers recorded from real hosts, per script item, and the answers a simulated host builds
 * from them. Pure.
 *
 * A recording keeps, for every probe and apply item a real host answered, the exact lines it
 * printed for it (between the engine's markers), keyed by the sha256 of the item's fragment. A
 * stand-in answers a script item by item with those lines and the script's own nonce, so what
 * the controller reads is byte for byte what the real host printed for the same fragment.
 *  - `fresh`: the round trips of a first apply on a fresh host, in order (the host's state moves
 *    on with each one: the same probe answers differently before and after an install).
 *  - `converged`: the items of no-op runs on the converged host, in any order.
 */
import { parseScript, type ParsedScript, type ScriptItem } from './script-items.js';

export interface RecordedResult {
  /** The RESULT line's fields after the nonce: `RESULT <id> <rc> <changed> <truncated>` without the id. */
  fields: string;
  /** The two base64 lines (stdout, stderr) that follow it. */
  out: string;
  err: string;
}

export interface RecordedTrip {
  applies: Record<string, RecordedResult>;
  /** Probe key -> the lines between PROBE and PROBE_END, and the END line's exit status. */
  probes: Record<string, { lines: string; rc: string }>;
}

export interface Recording {
  /** Where and how it was recorded (host, role, date, wpha version). */
  source: string;
  fresh: RecordedTrip[];
  converged: RecordedTrip;
}

/** What one real round trip said about each of its items. */
export function recordTrip(script: string, stdout: string): RecordedTrip {
  const parsed = parseScript(script);
  const trip: RecordedTrip = { applies: {}, probes: {} };
  if (parsed.kind !== 'round-trip') return trip;
  const tag = `@@WPHA_${parsed.nonce} `;
  const keyOf = (items: ScriptItem[], id: string) => items.find((i) => i.id === id)?.key;
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith(tag)) continue;
    const [kind, id] = line.slice(tag.length).split(' ');
    if (kind === 'RESULT' && id) {
      const key = keyOf(parsed.applies, id);
      if (key) trip.applies[key] = { fields: line.slice(tag.length + `RESULT ${id} `.length), out: lines[i + 1] ?? '', err: lines[i + 2] ?? '' };
      i += 2;
    } else if (kind === 'PROBE' && id) {
      let j = i + 1;
      while (j < lines.length && !lines[j]!.startsWith(`${tag}PROBE_END ${id} `)) j++;
      const key = keyOf(parsed.probes, id);
      if (key && j < lines.length) trip.probes[key] = { lines: lines.slice(i + 1, j).join('\n'), rc: lines[j]!.split(' ').pop()! };
      i = j;
    }
  }
  return trip;
}

/** Adds `trip`'s items to `into` (an item already there keeps its first answer). */
export function mergeTrip(into: RecordedTrip, trip: RecordedTrip): RecordedTrip {
  for (const [k, v] of Object.entries(trip.applies)) into.applies[k] ??= v;
  for (const [k, v] of Object.entries(trip.probes)) into.probes[k] ??= v;
  return into;
}

/** Printed (on stderr) for an item no recording has: the controller then reports that host failed. */
export const NO_RECORDING = 'simulated host: no recorded answer for this step';

/**
 * The stdout of a simulated host for one round-trip script, from the answers in `trip`. Like the
 * real script, it stops after a failed apply item (no probes, no DONE); an item without a
 * recorded answer fails with exit 127.
 */
export function answerScript(parsed: Extract<ParsedScript, { kind: 'round-trip' }>, trip: RecordedTrip): { stdout: string; missing: number } {
  const tag = `@@WPHA_${parsed.nonce} `;
  const out: string[] = [];
  let missing = 0;
  const raised = new Set<string>();
  for (const a of parsed.applies) {
    if (a.onlyIf.length && !a.onlyIf.some((f) => raised.has(f))) continue; // a handler nobody notified
    const r = trip.applies[a.key];
    if (!r) missing++;
    const rec = r ?? { fields: '127 1 -', out: '', err: Buffer.from(`${NO_RECORDING}\n`).toString('base64') };
    out.push(`${tag}RESULT ${a.id} ${rec.fields}`, rec.out, rec.err);
    const [rc, changed] = rec.fields.split(' ');
    if (rc !== '0') return { stdout: `${out.join('\n')}\n`, missing };
    if (changed === '1') for (const f of a.raises) raised.add(f);
  }
  for (const p of parsed.probes) {
    const r = trip.probes[p.key];
    if (!r) missing++;
    out.push(`${tag}PROBE ${p.id}`, r ? r.lines : '', `${tag}PROBE_END ${p.id} ${r ? r.rc : '127'}`);
  }
  out.push(`${tag}DONE`);
  return { stdout: `${out.join('\n')}\n`, missing };
}

/** Which recorded answers a host gives to its `n`-th round trip (0-based): fresh ones first, then converged. */
export function tripFor(rec: Recording, fresh: boolean, n: number): RecordedTrip {
  return fresh && n < rec.fresh.length ? rec.fresh[n]! : rec.converged;
}
