/**
 * `--limit` patterns, as operators expect from Ansible: comma- or colon-separated terms; a term
 * is a host name, a group name or a glob (`web*`); `!term` excludes, `&term` intersects.
 */
import { UserError } from '../errors.js';
import type { Inventory } from '../model.js';

function glob(p: string): RegExp {
  return new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  );
}

export function selectHosts(inv: Inventory, pattern: string | undefined): string[] {
  const all = [...inv.hosts.keys()];
  if (!pattern || pattern === 'all' || pattern === '*') return all;
  const expand = (term: string): Set<string> => {
    const g = inv.groups.get(term);
    if (g) return new Set(all.filter((h) => inv.hosts.get(h)!.groups.includes(term)));
    if (inv.hosts.has(term)) return new Set([term]);
    if (/[*?]/.test(term)) {
      const re = glob(term);
      const groups = [...inv.groups.keys()].filter((n) => re.test(n));
      return new Set(all.filter((h) => re.test(h) || groups.some((gn) => inv.hosts.get(h)!.groups.includes(gn))));
    }
    throw new UserError(`--limit: "${term}" is neither a host nor a group of inventory "${inv.name}"`);
  };
  const terms = pattern
    .split(/[,:]/)
    .map((t) => t.trim())
    .filter(Boolean);
  let selected = new Set<string>();
  const positives = terms.filter((t) => !t.startsWith('!') && !t.startsWith('&'));
  for (const t of positives) for (const h of expand(t)) selected.add(h);
  if (positives.length === 0) selected = new Set(all);
  for (const t of terms.filter((x) => x.startsWith('&'))) {
    const keep = expand(t.slice(1));
    selected = new Set([...selected].filter((h) => keep.has(h)));
  }
  for (const t of terms.filter((x) => x.startsWith('!'))) for (const h of expand(t.slice(1))) selected.delete(h);
  return all.filter((h) => selected.has(h));
}

export function taskSelected(tags: readonly string[], only: readonly string[], skip: readonly string[]): boolean {
  if (skip.some((t) => tags.includes(t))) return false;
  if (only.length === 0 || tags.includes('always')) return true;
  return only.some((t) => tags.includes(t));
}
