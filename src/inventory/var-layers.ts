/**
 * Vars with provenance. Every value an inventory sets is kept with where it was set, so type
 * errors found later (against role schemas) point at the exact file:line:col, and precedence
 * merges can say which level won.
 */
import type { InputIssue, SourceLocation } from '../errors.js';
import { formatLocation } from '../yaml/describe.js';
import type { KeyPath } from '../yaml/locations.js';
import type { YamlDoc } from '../yaml/parse.js';

export type VarScope = 'all' | 'group' | 'host' | 'extra';

export interface VarEntry {
  value: unknown;
  /** Key path inside the file that set it (or `-e name` for the command line). */
  path: (string | number)[];
  location?: SourceLocation;
  /** Where a part of the value starts (`[0, 'type']`: the first item's `type` key), for issues inside it. */
  locate?: (sub: KeyPath) => SourceLocation;
  /** Tagged `!secret` / `!vault`. */
  secret: boolean;
  /** Every value in it came from the vault (a `!vault` value or a vault file): no plain text. */
  vault?: boolean;
  scope: VarScope;
}

/** Vars of one level (a group, a host, the extra vars), by name, in the order they were set. */
export type VarLayer = Map<string, VarEntry>;

/** The vars map found at `basePath` of `doc` (already validated as a vars map). */
export function layerFromDoc(doc: YamlDoc, basePath: KeyPath, scope: VarScope): VarLayer {
  const layer: VarLayer = new Map();
  let map: unknown = doc.value;
  for (const seg of basePath) map = map !== null && typeof map === 'object' ? (map as Record<string, unknown>)[seg] : undefined;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) return layer;
  for (const [name, value] of Object.entries(map)) {
    const path = [...basePath, name];
    const secret = doc.secretPaths.some((p) => path.every((seg, i) => p[i] === seg));
    layer.set(name, { value, path, location: doc.keyAt(path), locate: (sub) => doc.keyAt([...path, ...sub]), secret, vault: allFromVault(value, path, doc.vaultPaths), scope });
  }
  return layer;
}

/**
 * True when every scalar inside `value` (found at `path`) came from the vault: it lies at or
 * below a vault path. A map of `!vault` values counts; a map holding one plain string does not.
 */
export function allFromVault(value: unknown, path: readonly (string | number)[], vaultPaths: readonly (string | number)[][]): boolean {
  if (vaultPaths.some((p) => p.length <= path.length && p.every((seg, i) => path[i] === seg))) return true;
  if (Array.isArray(value)) return value.length > 0 && value.every((v, i) => allFromVault(v, [...path, i], vaultPaths));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length > 0 && entries.every(([k, v]) => allFromVault(v, [...path, k], vaultPaths));
  }
  return false;
}

/**
 * Joins two sources of the same level (inline vars and a group_vars/host_vars file). A var set
 * in both is an error naming both places: which one should win would be a guess.
 */
export function joinSameLevel(layers: readonly VarLayer[], issues: InputIssue[]): VarLayer {
  const out: VarLayer = new Map();
  for (const layer of layers) {
    for (const [name, entry] of layer) {
      const earlier = out.get(name);
      if (earlier) {
        const there = earlier.location ? formatLocation(earlier.location) : earlier.path.join('.');
        issues.push({ location: entry.location, path: entry.path, message: `Variable "${name}" is also set at ${there}; set it in one place only` });
        continue;
      }
      out.set(name, entry);
    }
  }
  return out;
}

/** Precedence merge: later layers win, per key (a map value is replaced, never deep-merged). */
export function mergeLayers(layers: readonly VarLayer[]): VarLayer {
  const out: VarLayer = new Map();
  for (const layer of layers) for (const [name, entry] of layer) out.set(name, entry);
  return out;
}

/** Plain vars (null prototype) from a merged layer. */
export function layerValues(layer: VarLayer): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, entry] of layer) out[name] = entry.value;
  return out;
}
