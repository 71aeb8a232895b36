/**
 * Where each value and key of a parsed YAML document starts, by key path. Loaders validate plain
 * values (with zod) and come back here to turn a failing path into `file:line:col`.
 */
import type { SourceLocation } from '../errors.js';

export type KeyPath = readonly (string | number)[];

const keyOf = (path: KeyPath): string => path.map(String).join('\u0000');

export class LocationIndex {
  private readonly values = new Map<string, SourceLocation>();
  private readonly keys = new Map<string, SourceLocation>();

  constructor(readonly file: string) {}

  setValue(path: KeyPath, loc: SourceLocation): void {
    const k = keyOf(path);
    if (!this.values.has(k)) this.values.set(k, loc);
  }

  setKey(path: KeyPath, loc: SourceLocation): void {
    const k = keyOf(path);
    if (!this.keys.has(k)) this.keys.set(k, loc);
  }

  /** Start of the value at `path`, or of its nearest ancestor that exists (a missing key points at its parent map). */
  at(path: KeyPath): SourceLocation {
    for (let n = path.length; n >= 0; n--) {
      const loc = this.values.get(keyOf(path.slice(0, n)));
      if (loc) return loc;
    }
    return { file: this.file, line: 1, col: 1 };
  }

  /** Start of the key of the map entry at `path` (unknown-key messages point at the key), else `at(path)`. */
  keyAt(path: KeyPath): SourceLocation {
    return this.keys.get(keyOf(path)) ?? this.at(path);
  }

  /** True when the document has a value or key recorded exactly at `path`. */
  has(path: KeyPath): boolean {
    const k = keyOf(path);
    return this.values.has(k) || this.keys.has(k);
  }
}

/** The value at `path` inside plain data (maps, lists), or undefined. Own properties only. */
export function valueAt(root: unknown, path: KeyPath): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, seg)) {
      cur = (cur as Record<string, unknown>)[String(seg)];
    } else return undefined;
  }
  return cur;
}
