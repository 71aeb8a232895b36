/**
 * var-unused and var-undeclared. A role may read what it declares, what the roles it depends on
 * declare, what its tasks register, what the engine provides, and names local to one place (a
 * loop variable, a template's `vars:`). A declaration counts as used when the role, a role it
 * depends on, or a role that depends on it reads the variable (or reads it from another host
 * through `lookup hostvars`).
 */
import type { LintRole } from './collect.js';
import { finding, type Finding } from './rules.js';
import { roleUses, type RoleUses } from './uses.js';

/** Names every task and template sees (src/engine/scope.ts). */
export const ENGINE_NAMES: ReadonlySet<string> = new Set(['facts', 'inventory_hostname', 'inventory_dir', 'ansible_host', 'group_names', 'role_names', 'groups', 'hostvars', 'role_ports']);

export function dependencies(name: string, roles: ReadonlyMap<string, LintRole>): Set<string> {
  const out = new Set<string>();
  const visit = (n: string) => {
    if (out.has(n)) return;
    out.add(n);
    roles.get(n)?.spec.depends.forEach(visit);
  };
  visit(name);
  return out;
}

export function varRules(name: string, roles: ReadonlyMap<string, LintRole>, usesOf: (n: string) => RoleUses): Finding[] {
  const role = roles.get(name)!;
  const deps = dependencies(name, roles);
  const declared = new Set([...deps].flatMap((d) => Object.keys(roles.get(d)?.spec.variables ?? {})));
  const registered = new Set([...deps].flatMap((d) => [...(usesOf(d).registered ?? [])]));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const u of usesOf(name).uses) {
    if (u.guarded || declared.has(u.name) || ENGINE_NAMES.has(u.name) || registered.has(u.name) || u.local.has(u.name)) continue;
    const key = `${u.file}:${u.line}:${u.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding('var-undeclared', u, `"${u.name}" is read here but role "${name}" and the roles it depends on do not declare it`));
  }
  const dependents = [...roles.keys()].filter((r) => r !== name && dependencies(r, roles).has(name));
  const readers = [...deps, ...dependents];
  const read = new Set(readers.flatMap((r) => [...usesOf(r).uses.map((u) => u.name), ...usesOf(r).lookups]));
  for (const v of Object.keys(role.spec.variables)) {
    if (read.has(v)) continue;
    findings.push(
      finding('var-unused', role.doc.keyAt(['variables', v]), `Variable "${v}" is declared but nothing reads it (tasks, handlers, templates, checks, ports of "${name}" and the roles around it)`),
    );
  }
  return findings;
}

/** Uses of each role, computed once. */
export function usesCache(roles: ReadonlyMap<string, LintRole>): (name: string) => RoleUses {
  const cache = new Map<string, RoleUses>();
  return (n) => {
    if (!cache.has(n)) cache.set(n, roles.has(n) ? roleUses(roles.get(n)!) : { uses: [], lookups: new Set(), registered: new Set() });
    return cache.get(n)!;
  };
}
