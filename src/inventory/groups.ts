/**
 * The group graph: membership (a group's hosts plus those of its children), cycles, and the
 * precedence order of a host's groups: `all` first, then by depth (a parent before its child),
 * and among groups at the same depth, the one declared earlier in inventory.yaml first (so the
 * one declared later wins).
 */
import type { InputIssue } from '../errors.js';
import type { YamlDoc } from '../yaml/parse.js';
import { didYouMean } from '../yaml/suggest.js';
import type { GroupEntry } from './schema.js';

export const ALL = 'all';

export interface GroupGraph {
  /** Group names: `all` first, then in declaration order. */
  names: string[];
  /** Members of each group (own hosts and those of child groups), in inventory host order. */
  members: Map<string, string[]>;
  /** Children of each group (declared). */
  children: Map<string, string[]>;
  /** The groups of a host in precedence order (lowest first), `all` included. */
  groupsOf(host: string): string[];
}

/**
 * `groups` are the entries that passed the schema; `hostNames` every host declared (even an
 * invalid one, so a group listing it is not reported as unknown too).
 */
export function buildGroupGraph(groups: ReadonlyMap<string, GroupEntry>, hostNames: readonly string[], doc: YamlDoc, issues: InputIssue[]): GroupGraph {
  const names = [ALL, ...[...groups.keys()].filter((g) => g !== ALL)];
  const declIndex = new Map(names.map((g, i) => [g, i]));
  const children = new Map<string, string[]>(names.map((g) => [g, []]));
  const ownHosts = new Map<string, string[]>(names.map((g) => [g, []]));

  // Sets for membership: a fleet's groups list thousands of hosts (indexOf/includes made it quadratic).
  const knownHosts = new Set(hostNames);
  for (const [name, entry] of groups) {
    if (name === ALL && (entry.hosts?.length || entry.children?.length)) {
      issues.push({ location: doc.at(['groups', ALL]), path: ['groups', ALL], message: 'Group "all" always holds every host; it takes only "roles" and "vars"' });
      continue;
    }
    const firstAt = new Map<string, number>();
    entry.hosts?.forEach((h, i) => {
      // A name listed twice is most likely a typo for another host: say so rather than merge.
      const first = firstAt.get(h) ?? i;
      firstAt.set(h, first);
      if (first < i)
        issues.push({ location: doc.at(['groups', name, 'hosts', i]), path: ['groups', name, 'hosts', i], message: `Host "${h}" is listed twice in group "${name}" (also at hosts[${first}])` });
      else if (knownHosts.has(h)) ownHosts.get(name)!.push(h);
      else issues.push({ location: doc.at(['groups', name, 'hosts', i]), path: ['groups', name, 'hosts', i], message: `Unknown host "${h}"${didYouMean(h, hostNames)}` });
    });
    entry.children?.forEach((c, i) => {
      const path = ['groups', name, 'children', i];
      const first = entry.children!.indexOf(c);
      if (first < i) issues.push({ location: doc.at(path), path, message: `Group "${c}" is listed twice in the children of group "${name}" (also at children[${first}])` });
      else if (c === ALL) issues.push({ location: doc.at(path), path, message: 'Group "all" cannot be a child: it already holds every host' });
      else if (!declIndex.has(c)) issues.push({ location: doc.at(path), path, message: `Unknown group "${c}"${didYouMean(c, names)}` });
      else children.get(name)!.push(c);
    });
  }
  for (const h of hostNames) {
    if (declIndex.has(h)) issues.push({ location: doc.keyAt(['hosts', h]), path: ['hosts', h], message: `Host "${h}" has the same name as a group; use distinct names` });
  }

  const cyclic = findCycles(names, children, groups, doc, issues);
  const depth = depths(names, children, cyclic);
  const hostOrder = new Map(hostNames.map((h, i) => [h, i]));
  const members = new Map<string, string[]>();
  const collect = (g: string, seen: Set<string>): Set<string> => {
    const out = new Set(ownHosts.get(g));
    for (const c of children.get(g) ?? []) if (!seen.has(c)) for (const h of collect(c, new Set([...seen, c]))) out.add(h);
    return out;
  };
  for (const g of names) {
    const set = g === ALL ? new Set(hostNames) : collect(g, new Set([g]));
    members.set(
      g,
      [...set].sort((a, b) => hostOrder.get(a)! - hostOrder.get(b)!),
    );
  }
  const byPrecedence = [...names].sort((a, b) => depth.get(a)! - depth.get(b)! || declIndex.get(a)! - declIndex.get(b)!);
  const memberSets = new Map([...members].map(([g, hs]) => [g, new Set(hs)]));
  return {
    names,
    members,
    children,
    groupsOf: (host) => byPrecedence.filter((g) => memberSets.get(g)!.has(host)),
  };
}

/** Reports each cycle in `children` once, at the entry that closes it; returns the groups on cycles. */
function findCycles(names: readonly string[], children: Map<string, string[]>, groups: ReadonlyMap<string, GroupEntry>, doc: YamlDoc, issues: InputIssue[]): Set<string> {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const cyclic = new Set<string>();
  const visit = (g: string): void => {
    if (state.get(g) === 'done') return;
    state.set(g, 'active');
    stack.push(g);
    (children.get(g) ?? []).forEach((c) => {
      if (state.get(c) === 'active') {
        const cycle = [...stack.slice(stack.indexOf(c)), c];
        cycle.forEach((x) => cyclic.add(x));
        const i = groups.get(g)?.children?.indexOf(c) ?? 0;
        const path = ['groups', g, 'children', i];
        issues.push({ location: doc.at(path), path, message: `Group cycle: ${cycle.join(' -> ')}` });
      } else visit(c);
    });
    stack.pop();
    state.set(g, 'done');
  };
  names.forEach(visit);
  return cyclic;
}

/** `all` is 0, a group nobody lists as a child is 1, a child is one deeper than its deepest parent. */
function depths(names: readonly string[], children: Map<string, string[]>, cyclic: Set<string>): Map<string, number> {
  const parents = new Map<string, string[]>(names.map((g) => [g, []]));
  for (const [g, cs] of children) for (const c of cs) parents.get(c)!.push(g);
  const depth = new Map<string, number>([[ALL, 0]]);
  const of = (g: string, guard: Set<string>): number => {
    const known = depth.get(g);
    if (known !== undefined) return known;
    const ps = parents.get(g)!.filter((p) => !guard.has(p) && !(cyclic.has(p) && cyclic.has(g)));
    const d = ps.length === 0 ? 1 : 1 + Math.max(...ps.map((p) => of(p, new Set([...guard, g]))));
    depth.set(g, d);
    return d;
  };
  for (const g of names) of(g, new Set());
  return depth;
}
