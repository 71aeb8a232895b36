/** What changed between two package manifests (`wpha image diff`, the upgrade report). Pure. */
export interface PackageDiff {
  added: [string, string][];
  removed: [string, string][];
  /** Package, old version, new version. */
  changed: [string, string, string][];
}

export function diffPackages(from: Record<string, string>, to: Record<string, string>): PackageDiff {
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  const out: PackageDiff = { added: [], removed: [], changed: [] };
  for (const n of names) {
    const a = from[n];
    const b = to[n];
    if (a === undefined) out.added.push([n, b!]);
    else if (b === undefined) out.removed.push([n, a]);
    else if (a !== b) out.changed.push([n, a, b]);
  }
  return out;
}

export function formatPackageDiff(d: PackageDiff): string {
  const lines = [...d.changed.map(([n, a, b]) => `  ~ ${n} ${a} -> ${b}`), ...d.added.map(([n, v]) => `  + ${n} ${v}`), ...d.removed.map(([n, v]) => `  - ${n} ${v}`)];
  return lines.length ? lines.join('\n') + '\n' : '  (same packages and versions)\n';
}
