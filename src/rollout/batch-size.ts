/**
 * Batch sizes of a rolling run, with Ansible's `serial` semantics, so a team moving from Ansible
 * keeps its numbers:
 * - an entry is a host count (`3`, or the string `"3"` as a command line gives it) or a
 *   percentage of ALL the run's hosts (`"25%"`), not of the hosts left;
 * - a percentage rounds down but never to 0 (`"10%"` of 5 hosts is 1 host);
 * - the entries are used in order and the last one repeats until every host has a batch;
 * - a batch larger than the hosts left takes the hosts left;
 * - an empty spec is one batch of every host.
 * Unlike Ansible, `0`, negative counts, fractions, `"0%"` and percentages above 100 are errors
 * (Ansible reads `serial: 0` as "all hosts" and truncates fractions silently).
 * Pure: `wpha apply --serial`, the inventory's `serial:` and `wpha upgrade --batch` share it.
 */
import { WphaError, ExitCode } from '../errors.js';

export type BatchEntry = number | string;

/** One entry, checked: a whole host count or a whole percentage. */
export type ParsedBatchEntry = { kind: 'count'; hosts: number } | { kind: 'percent'; percent: number };

export class BatchSpecError extends WphaError {
  constructor(message: string) {
    super(message, ExitCode.input);
  }
}

const HINT = 'use a whole number of hosts (1 or more) or a percentage such as "25%" (1% to 100%)';

function show(entry: unknown): string {
  return typeof entry === 'string' ? JSON.stringify(entry) : String(entry);
}

/** A host count written as a string (`"3"`): 1 or more. Shared with the inventory schema. */
export const COUNT_TEXT = /^0*[1-9][0-9]*$/;
/** A whole percentage from 1 to 100 (`"25%"`). Shared with the inventory schema. */
export const PERCENT_TEXT = /^0*([1-9][0-9]?|100)%$/;

/** Checks one entry; throws a BatchSpecError naming the value otherwise. */
export function parseBatchEntry(entry: BatchEntry): ParsedBatchEntry {
  if (typeof entry === 'number' && Number.isSafeInteger(entry) && entry >= 1) return { kind: 'count', hosts: entry };
  if (typeof entry === 'string' && COUNT_TEXT.test(entry) && Number.isSafeInteger(Number(entry))) return { kind: 'count', hosts: Number(entry) };
  if (typeof entry === 'string' && PERCENT_TEXT.test(entry)) return { kind: 'percent', percent: Number(entry.slice(0, -1)) };
  throw new BatchSpecError(`Batch size ${show(entry)} is not valid: ${HINT}`);
}

/** Splits a comma-separated command-line value (`1,25%,100%`) into entries, checking each. */
export function parseBatchSpec(text: string): BatchEntry[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new BatchSpecError(`Batch sizes ${show(text)} are not valid: give comma-separated sizes such as "1,25%,100%"`);
  }
  for (const p of parts) parseBatchEntry(p);
  return parts;
}

/** Hosts in one batch for an entry, given the run's total host count. */
function entryHosts(entry: ParsedBatchEntry, total: number): number {
  if (entry.kind === 'count') return entry.hosts;
  return Math.max(1, Math.floor((total * entry.percent) / 100));
}

/**
 * The size of each batch, in order; the sizes add up to `total`. Every entry is checked even when
 * fewer batches are needed, so a typo in the third entry is reported on a two-host inventory.
 */
export function batchSizes(total: number, spec: readonly BatchEntry[]): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`batchSizes: total must be a whole number >= 0, got ${total}`);
  const entries = spec.map(parseBatchEntry);
  if (entries.length === 0) return total === 0 ? [] : [total];
  const sizes: number[] = [];
  let left = total;
  let i = 0;
  while (left > 0) {
    const size = Math.min(left, entryHosts(entries[i]!, total));
    sizes.push(size);
    left -= size;
    if (i < entries.length - 1) i++;
  }
  return sizes;
}

/** Splits an ordered host list into batches of `batchSizes(hosts.length, spec)`. */
export function splitIntoBatches<T>(hosts: readonly T[], spec: readonly BatchEntry[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const size of batchSizes(hosts.length, spec)) {
    out.push(hosts.slice(at, at + size));
    at += size;
  }
  return out;
}
