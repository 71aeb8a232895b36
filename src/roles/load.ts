/**
 * Role loading: finds `<name>/role.yaml` in the search folders (an inventory's roles/ first,
 * then the roles shipped with wpha), follows `depends`, and checks what needs several roles:
 * dependency cycles, notify targets, variables declared with different types.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { InputError, type InputIssue, type SourceLocation } from '../errors.js';
import type { RoleSpec } from '../model.js';
import { didYouMean } from '../yaml/suggest.js';
import { checkNotify, expandRoles, findDependencyCycles, findHandlerCircles, type RoleNode } from './load-deps.js';
import { loadRoleFile, ROLE_FILE, type RoleFileOptions } from './load-role-file.js';
import { SharedVarsCache } from './shared-vars.js';
import { checkVarConflicts } from './vars.js';

export interface RoleLoadOptions extends Omit<RoleFileOptions, 'cwd'> {
  /** Folders holding `<name>/role.yaml`, searched in order. */
  searchDirs: readonly string[];
  /** Base for file names in messages. Default: process.cwd(). */
  cwd?: string;
}

/** A role wanted by an inventory group or a `depends`: where it was asked for, for messages. */
export interface RoleRequest {
  name: string;
  location?: SourceLocation;
  path?: (string | number)[];
}

export interface CollectedRoles {
  /** Every loaded role, dependencies before dependents. */
  roles: Map<string, RoleSpec>;
  issues: InputIssue[];
}

export function findRoleDir(name: string, searchDirs: readonly string[]): string | undefined {
  for (const dir of searchDirs) {
    const candidate = path.join(dir, name);
    if (existsSync(path.join(candidate, ROLE_FILE))) return candidate;
  }
  return undefined;
}

/** Names of the roles found in the search folders (for "did you mean" hints). */
export function availableRoles(searchDirs: readonly string[]): string[] {
  const names = new Set<string>();
  for (const dir of searchDirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(path.join(dir, entry.name, ROLE_FILE))) names.add(entry.name);
    }
  }
  return [...names].sort();
}

/** Loads the requested roles and their dependencies; never throws for bad input, returns the issues. */
export async function collectRoles(requests: readonly RoleRequest[], opts: RoleLoadOptions): Promise<CollectedRoles> {
  const cwd = opts.cwd ?? process.cwd();
  const fileOpts: RoleFileOptions = { ...opts, cwd, shared: new SharedVarsCache({ cwd, decryptTag: opts.decryptTag }), sharedDirs: opts.searchDirs };
  const loaded = new Map<string, RoleNode>();
  const missing = new Set<string>();
  const issues: InputIssue[] = [];
  let known: string[] | undefined;
  const queue = [...requests];

  while (queue.length > 0) {
    const req = queue.shift()!;
    if (loaded.has(req.name)) continue;
    const dir = missing.has(req.name) ? undefined : findRoleDir(req.name, opts.searchDirs);
    if (!dir) {
      missing.add(req.name);
      known ??= availableRoles(opts.searchDirs);
      issues.push({
        location: req.location,
        path: req.path ?? [],
        message: `Unknown role "${req.name}"${didYouMean(req.name, known) || ` (no ${req.name}/${ROLE_FILE} in the inventory's roles/ or in wpha's roles/)`}`,
      });
      continue;
    }
    const file = await loadRoleFile(req.name, dir, fileOpts);
    loaded.set(req.name, { spec: file.spec, doc: file.doc });
    issues.push(...file.issues);
    file.spec.depends.forEach((dep, i) => queue.push({ name: dep, location: file.doc.at(['depends', i]), path: ['depends', i] }));
  }

  issues.push(...findDependencyCycles(loaded), ...checkNotify(loaded), ...findHandlerCircles(loaded));
  const order = expandRoles([...loaded.keys()], new Map([...loaded].map(([n, node]) => [n, node.spec])));
  const roles = new Map(order.map((name) => [name, loaded.get(name)!.spec]));
  issues.push(...checkVarConflicts(roles.values()));
  return { roles, issues };
}

/** Loads roles with their dependencies. Throws one InputError listing every issue. */
export async function loadRoles(names: readonly (string | RoleRequest)[], opts: RoleLoadOptions): Promise<Map<string, RoleSpec>> {
  const { roles, issues } = await collectRoles(
    names.map((n) => (typeof n === 'string' ? { name: n } : n)),
    opts,
  );
  if (issues.length > 0) throw new InputError(issues, 'Invalid roles');
  return roles;
}

/** Loads one role (its dependencies are loaded and checked too). */
export async function loadRole(name: string, opts: RoleLoadOptions): Promise<RoleSpec> {
  return (await loadRoles([name], opts)).get(name)!;
}
