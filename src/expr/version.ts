/**
 * Debian version ordering (the rules of deb-version(7)), used by `version_compare()`:
 *   [epoch:]upstream[-revision]; epochs compare as numbers; upstream and revision compare by
 *   alternating runs of non-digits (letters sort before other characters, `~` before
 *   everything, even the end of the string) and digits (as numbers).
 * So 1.10 > 1.9, 2.0~rc1 < 2.0, 1:0.9 > 2.0, and 12 == 12.0 is false (12 < 12.0).
 */

interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

function split(version: string): DebianVersion {
  const v = version.trim();
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '' };
}

/** Weight of one character in a non-digit run; 0 stands for "end of run". */
function weight(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Compare one part (upstream or revision): negative, zero or positive. */
function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit runs, character by character.
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const wa = isDigit(a[i]) ? 0 : weight(a[i]);
      const wb = isDigit(b[j]) ? 0 : weight(b[j]);
      if (wa !== wb) return wa - wb;
      i++;
      j++;
    }
    // Digit runs, as numbers (leading zeros ignored; BigInt so long runs do not lose precision).
    let da = '';
    let db = '';
    while (isDigit(a[i])) da += a[i++];
    while (isDigit(b[j])) db += b[j++];
    const na = BigInt(da || '0');
    const nb = BigInt(db || '0');
    if (na !== nb) return na < nb ? -1 : 1;
  }
  return 0;
}

export function compareDebianVersions(a: string, b: string): number {
  const va = split(a);
  const vb = split(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  return Math.sign(comparePart(va.upstream, vb.upstream)) || Math.sign(comparePart(va.revision, vb.revision));
}

export const VERSION_OPERATORS: Record<string, (cmp: number) => boolean> = {
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  ne: (c) => c !== 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
};
