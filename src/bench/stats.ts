/** Small number helpers for the benchmark report. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const seconds = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

export const mb = (kb: number): string => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MB` : 'n/a');

/** "1.20 s (1.31, 1.20, 1.18)": the median first, then every repetition in run order. */
export function medianWithRuns(ms: readonly number[]): string {
  if (ms.length <= 1) return seconds(ms[0] ?? NaN);
  return `${seconds(median(ms))} (${ms.map((m) => (m / 1000).toFixed(2)).join(', ')})`;
}

/** "1" when every host agrees, else "1-3" (the min and max over hosts); "n/a" without hosts. */
export function rangeOf(values: readonly number[]): string {
  if (values.length === 0) return 'n/a';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

export function parseCounts(text: string, what: string): number[] {
  const counts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 240)) throw new Error(`${what} must be a comma-separated list of host counts from 1 to 240, found "${text}"`);
  return [...new Set(counts)].sort((a, b) => a - b);
}
