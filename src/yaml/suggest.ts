/**
 * "Did you mean" hints for unknown keys, names and variables. Uses the optimal string alignment
 * distance (Levenshtein plus adjacent transpositions), so `ngnix` -> `nginx` costs 1.
 */

/** Edit distance counting insertions, deletions, substitutions and adjacent transpositions as 1. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows are enough: the transposition case looks two rows back.
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prevPrev[j - 2]! + 1);
      cur.push(d);
    }
    prevPrev = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The largest distance still worth suggesting for a word: none for 1-2 letters (anything is
 * close to "d"), 1 for 3-4 letters, `max` for longer words.
 */
export function suggestionBudget(word: string, max = 2): number {
  return word.length <= 2 ? 0 : word.length <= 4 ? Math.min(1, max) : max;
}

/**
 * The candidate closest to `word`, when it is close enough to be a plausible typo.
 * Ties keep the candidate listed first. A case-only difference always counts as close.
 */
export function closestMatch(word: string, candidates: Iterable<string>, maxDistance = suggestionBudget(word)): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0.5 : editDistance(word, candidate);
    if (d <= maxDistance && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` or the empty string: appended to messages. */
export function didYouMean(word: string, candidates: Iterable<string>, maxDistance?: number): string {
  const match = closestMatch(word, candidates, maxDistance);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

/** `"a", "b", "c"` for messages listing allowed values. */
export function quoteList(values: Iterable<string | number>): string {
  return [...values].map((v) => (typeof v === 'number' ? String(v) : `"${v}"`)).join(', ');
}
