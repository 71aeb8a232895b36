/**
 * Unified diff of two texts (Myers' O(ND) algorithm), for `--diff` output of file ops.
 * Pure; no dependency. When the texts differ too much to diff cheaply, the whole old text is
 * shown removed and the whole new one added (still a correct, if large, diff).
 */

export interface DiffOptions {
  /** Lines of context around each change (default 3). */
  context?: number;
  /** Labels for the `---`/`+++` lines. */
  oldLabel?: string;
  newLabel?: string;
  /** Give up on a minimal diff beyond this many edits (default 4000). */
  maxEdits?: number;
}

type Edit = { kind: ' ' | '-' | '+'; line: string };

/** Returns '' when the texts are equal. */
export function unifiedDiff(oldText: string, newText: string, opts: DiffOptions = {}): string {
  if (oldText === newText) return '';
  const context = opts.context ?? 3;
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const edits = myers(a, b, opts.maxEdits ?? 4000) ?? [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  const header = `--- ${opts.oldLabel ?? 'before'}\n+++ ${opts.newLabel ?? 'after'}\n`;
  return header + hunks(edits, context).join('');
}

/** Lines keep their "\n"; a last line without one is marked as diff(1) does. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  const last = lines.pop() as string;
  const out = lines.map((l) => `${l}\n`);
  if (last !== '') out.push(`${last}\n\\ No newline at end of file\n`);
  return out;
}

function myers(a: string[], b: string[], maxEdits: number): Edit[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, d, offset);
    }
    v = next;
  }
  return null;
}

function backtrack(trace: Int32Array[], a: string[], b: string[], dEnd: number, offset: number): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d >= 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    let prevK: number;
    if (d === 0) prevK = k;
    else if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ kind: ' ', line: a[x - 1]! });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) edits.push({ kind: '+', line: b[y - 1]! });
      else edits.push({ kind: '-', line: a[x - 1]! });
    }
    x = prevX;
    y = prevY;
  }
  return edits.reverse();
}

function hunks(edits: Edit[], context: number): string[] {
  const out: string[] = [];
  let i = 0;
  // Line numbers (1-based) in the old and new text at edits[i].
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let nn = 1;
  for (const e of edits) {
    oldAt.push(o);
    newAt.push(nn);
    if (e.kind !== '+') o++;
    if (e.kind !== '-') nn++;
  }
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.kind === ' ') i++;
    if (i >= edits.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend while the next change is within 2*context unchanged lines.
    for (;;) {
      while (end < edits.length && edits[end]!.kind !== ' ') end++;
      let gap = end;
      while (gap < edits.length && edits[gap]!.kind === ' ') gap++;
      if (gap < edits.length && gap - end <= 2 * context) end = gap;
      else {
        end = Math.min(edits.length, end + context);
        break;
      }
    }
    const slice = edits.slice(start, end);
    const oldLen = slice.filter((e) => e.kind !== '+').length;
    const newLen = slice.filter((e) => e.kind !== '-').length;
    const oldStart = oldLen === 0 ? oldAt[start]! - 1 : oldAt[start]!;
    const newStart = newLen === 0 ? newAt[start]! - 1 : newAt[start]!;
    out.push(`@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@\n`);
    for (const e of slice) out.push(e.kind + e.line);
    i = end;
  }
  return out;
}

function range(start: number, len: number): string {
  return len === 1 ? `${start}` : `${start},${len}`;
}
