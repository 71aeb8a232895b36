/**
 * loadInventory: inventory.yaml + group_vars/ + host_vars/ + extra vars + the roles the groups
 * name, validated together. Every issue of every file is collected, then thrown as ONE
 * InputError, so a user fixes everything in one pass.
 */
import os from 'node:os';
import path from 'node:path';
import { InputError, type InputIssue, type SourceLocation } from '../errors.js';
import type { GroupRollout, GroupSpec, HostSpec, Inventory, RoleSpec } from '../model.js';
import { projectRoot as defaultProjectRoot, shippedRolesDir } from '../paths.js';
import { collectRoles, type RoleRequest } from '../roles/load.js';
import type { KnownOps } from '../roles/schema.js';
import { expandRoles } from '../roles/load-deps.js';
import type { TaskSpec } from '../model.js';
import { readYamlFile } from '../yaml/read.js';
import type { DecryptTag } from '../yaml/walk.js';
import { checkHostVars } from './check-vars.js';
import { hostConnection } from '../inventory/connection.js';
import { parseExtraVars } from '../inventory/extra-vars.js';
import { ALL, buildGroupGraph } from '../inventory/groups.js';
import { INVENTORY_FILE, resolveInventoryDir } from '../inventory/locate.js';
import { checkDelegates } from './delegates.js';
import { checkPorts } from './ports.js';
import { checkHostvars, checkRoleRules } from './role-checks.js';
import { readInventoryFile } from '../inventory/read-file.js';
import type { GroupEntry } from '../inventory/schema.js';
import { joinSameLevel, layerFromDoc, layerValues, mergeLayers, type VarLayer } from '../inventory/var-layers.js';
import { readVarFiles } from '../inventory/var-files.js';
import { checkMachineGroups } from '../inventory/machine-groups.js';
import { joinMachines, readStateMachines } from '../inventory/machines.js';
import { notCheckedIssues, type UnloadedSource } from '../inventory/unloaded.js';
import { joinTerraformHosts, readTerraformSources } from '../inventory/terraform.js';

export interface LoadInventoryOptions {
  /** A name under ./inventories/ or wpha's inventories/, or a path to the folder or its inventory.yaml. */
  name: string;
  /** Default: process.cwd(). File names in messages are relative to it. */
  cwd?: string;
  /** `-e key=value` / `-e @file.yaml` arguments, in command-line order. */
  extraVars?: readonly string[];
  /** Operations tasks may use (names, or names with argument schemas). */
  knownOps: KnownOps;
  /** Role search folders. Default: <inventory>/roles, then wpha's roles/. */
  roleDirs?: readonly string[];
  /** Default: process.env (WPHA_LAB_DIR). */
  env?: NodeJS.ProcessEnv;
  /** Default: os.homedir() (for `~` in key paths). */
  home?: string;
  /** Default: the installed wpha package root. */
  projectRoot?: string;
  /** Load-time checks of `when` expressions and templates, plugged in by the engine. */
  validateExpressions?: (task: TaskSpec) => InputIssue[];
  /** Decrypts `!vault` values. */
  decryptTag?: DecryptTag;
  /** Checks of the loaded roles that need the whole set (templates and the files tasks name), plugged in by the engine. */
  checkRoles?: (roles: ReadonlyMap<string, RoleSpec>, inventoryDir: string) => InputIssue[];
  /** Roles remembered from an earlier load with the same inputs (absent: every load reads them). */
  roleCache?: RoleCache;
}

/** What decides the roles a load gets, besides the files it reads (which the cache checks itself). */
export interface RoleCacheKey {
  cwd: string;
  inventoryDir: string;
  searchDirs: readonly string[];
  /** The roles the groups name, in order. */
  requests: readonly string[];
}

/**
 * Roles loaded and checked once, kept for the next load that would read the same files: loading
 * and checking the roles of a full stack (~220 KB of YAML, ~150 files) is most of a run's
 * start-up. Only roles that loaded without an issue and without a vault value are kept.
 */
export interface RoleCache {
  get(key: RoleCacheKey): Map<string, RoleSpec> | undefined;
  /** `readSince`: when the load began reading the role files (ms since the epoch). */
  set(key: RoleCacheKey, roles: ReadonlyMap<string, RoleSpec>, readSince: number): void;
}

export async function loadInventory(opts: LoadInventoryOptions): Promise<Inventory> {
  const cwd = opts.cwd ?? process.cwd();
  const root = opts.projectRoot ?? defaultProjectRoot();
  const dir = resolveInventoryDir(opts.name, { cwd, projectRoot: root });
  const name = path.basename(dir);
  const io = { cwd, decryptTag: opts.decryptTag };
  const issues: InputIssue[] = [];

  const doc = await readYamlFile(path.join(dir, INVENTORY_FILE), io);
  const file = readInventoryFile(doc, issues);
  // Hosts a provider made (wpha-state.json) join their groups before the group graph is built.
  const made = await readStateMachines(dir, io, issues);
  joinMachines(file, made, issues);
  // Hosts of Terraform outputs (`sources:`) join their groups the same way, with their own vars.
  const fromTerraform = await readTerraformSources(dir, file.sources, io, issues);
  joinTerraformHosts(file, fromTerraform, issues);
  issues.push(...checkMachineGroups(file, doc));
  const hostNames = [...file.hostNames];
  const graph = buildGroupGraph(file.groups, hostNames, doc, issues);
  const groupFiles = await readVarFiles(dir, 'group_vars', doc.ok ? graph.names : undefined, io);
  const hostFiles = await readVarFiles(dir, 'host_vars', doc.ok ? hostNames : undefined, io);
  const extra = await parseExtraVars(opts.extraVars ?? [], io);
  issues.push(...groupFiles.issues, ...hostFiles.issues, ...extra.issues);

  // One layer per group and per host: inline vars joined with the vars file (a var in both is an error).
  const groupLayers = new Map<string, VarLayer>();
  for (const g of graph.names) {
    const inline = g === ALL ? [layerFromDoc(doc, ['vars'], 'all'), layerFromDoc(doc, ['groups', ALL, 'vars'], 'all')] : [layerFromDoc(doc, ['groups', g, 'vars'], 'group')];
    groupLayers.set(g, joinSameLevel([...inline, groupFiles.layers.get(g) ?? new Map()], issues));
  }
  const hostLayers = new Map<string, VarLayer>();
  for (const h of hostNames) hostLayers.set(h, joinSameLevel([fromTerraform.get(h)?.layer ?? layerFromDoc(doc, ['hosts', h, 'vars'], 'host'), hostFiles.layers.get(h) ?? new Map()], issues));

  // Roles, in group precedence order so that run order follows the inventory.
  const requests: RoleRequest[] = [];
  for (const g of graph.names) {
    file.groups.get(g)?.roles?.forEach((r, i) => requests.push({ name: r, location: doc.at(['groups', g, 'roles', i]), path: ['groups', g, 'roles', i] }));
  }
  const roleDirs = opts.roleDirs ?? [path.join(dir, 'roles'), shippedRolesDir(root)];
  const roles = await loadRoles(requests, { dir, cwd, roleDirs, opts, issues });
  const declaredAnywhere = new Set([...roles.values()].flatMap((r) => Object.keys(r.variables)));
  const secretVars = new Set(
    [...roles.values()].flatMap((r) =>
      Object.entries(r.variables)
        .filter(([, v]) => v.secret)
        .map(([k]) => k),
    ),
  );

  const hosts = new Map<string, HostSpec>();
  const inventoryGroups = new Map(graph.names.map((g) => [g, { hosts: graph.members.get(g) ?? [], location: doc.has(['groups', g]) ? doc.keyAt(['groups', g]) : undefined }]));
  const usedRoles = new Set<string>();
  const notChecked = new Map<UnloadedSource, Set<string>>();
  // Role checks run once every host's variables are known: a rule may compare hosts (hostvars).
  const toCheck: Parameters<typeof checkRoleRules>[0][] = [];
  for (const [hostName, entry] of file.hosts) {
    const groups = graph.groupsOf(hostName);
    const hostRoles = expandRoles(
      groups.flatMap((g) => file.groups.get(g)?.roles ?? []),
      roles,
    ).filter((r) => roles.has(r));
    hostRoles.forEach((r) => usedRoles.add(r));
    const layers = [...groups.map((g) => groupLayers.get(g)!), hostLayers.get(hostName)!, extra.layer];
    const merged = mergeLayers(layers);
    const machine = made.machines.get(hostName);
    const location = machine?.location ?? fromTerraform.get(hostName)?.location ?? doc.keyAt(['hosts', hostName]);
    const roleSpecs = hostRoles.map((r) => roles.get(r)!);
    // Vars files of this host's groups and of the host that did not load, and bad extra vars.
    const unloaded = [...groups.flatMap((g) => groupFiles.unloaded.get(g) ?? []), ...(hostFiles.unloaded.get(hostName) ?? []), ...extra.unloaded];
    issues.push(...checkHostVars({ host: hostName, hostLocation: location, roles: roleSpecs, merged, layers, declaredAnywhere, lab: file.lab, unloaded, notChecked }));
    toCheck.push({ host: hostName, hostLocation: location, groups, roles: roleSpecs, merged, inventoryGroups });
    for (const layer of layers) for (const [k, e] of layer) if (e.secret) secretVars.add(k);
    hosts.set(hostName, {
      name: hostName,
      address: entry.address,
      ...hostConnection(file.defaults, entry, { invDir: dir, lab: file.lab, env: opts.env ?? process.env, home: opts.home ?? os.homedir(), localUser: os.userInfo().username }),
      groups,
      roles: hostRoles,
      vars: layerValues(merged),
      location,
      ...(machine ? { machine: machine.made } : {}),
    });
  }
  const hostvars = checkHostvars(toCheck, hosts);
  for (const c of toCheck) issues.push(...checkRoleRules({ ...c, hostvars }));
  issues.push(...notCheckedIssues(notChecked));
  const used = [...usedRoles].map((r) => roles.get(r)!);
  issues.push(...checkPorts(used, graph.names), ...checkDelegates(used, hostNames));

  if (issues.length > 0) throw new InputError(dedupe(issues), `Invalid inventory "${name}"`);

  const groups = new Map<string, GroupSpec>();
  for (const g of graph.names) {
    const location = doc.has(['groups', g]) ? doc.keyAt(['groups', g]) : { file: doc.file, line: 1, col: 1 };
    const rolloutKey = ['serial', 'max_fail_percentage'].find((k) => doc.has(['groups', g, k]));
    const rollout = groupRollout(file.groups.get(g), rolloutKey ? doc.keyAt(['groups', g, rolloutKey]) : location);
    groups.set(g, {
      name: g,
      hosts: graph.members.get(g)!,
      children: graph.children.get(g)!,
      roles: file.groups.get(g)?.roles ?? [],
      vars: layerValues(groupLayers.get(g)!),
      ...(rollout ? { rollout } : {}),
      ...(file.groups.get(g)?.machines ? { machines: file.groups.get(g)!.machines! } : {}),
      ...(file.groups.get(g)?.upgrade ? { upgrade: file.groups.get(g)!.upgrade! } : {}),
      location,
    });
  }
  const inventory: Inventory = { name, dir, hosts, groups, roles: new Map<string, RoleSpec>(roles), secretVars };
  if (file.providers.size > 0) {
    inventory.providers = Object.fromEntries(file.providers);
    inventory.machineConnection = hostConnection(file.defaults, { address: '0.0.0.0' }, { invDir: dir, lab: file.lab, env: opts.env ?? process.env, home: opts.home ?? os.homedir() });
  }
  if (made.id) inventory.stateId = made.id;
  if (file.lab) inventory.lab = { hosts: [...hosts.keys()] };
  return inventory;
}

/** The roles the groups name and their dependencies, loaded and checked, or as the cache kept them. */
async function loadRoles(requests: RoleRequest[], ctx: { dir: string; cwd: string; roleDirs: readonly string[]; opts: LoadInventoryOptions; issues: InputIssue[] }): Promise<Map<string, RoleSpec>> {
  const { opts } = ctx;
  const key: RoleCacheKey = { cwd: ctx.cwd, inventoryDir: ctx.dir, searchDirs: ctx.roleDirs, requests: requests.map((r) => r.name) };
  const kept = opts.roleCache?.get(key);
  if (kept) return kept;
  const readSince = Date.now();
  // A role file holding a vault value is not kept: the cache would hold the secret in clear.
  let decrypted = false;
  const decryptTag: DecryptTag | undefined = opts.decryptTag
    ? (tag, text) => {
        decrypted = true;
        return opts.decryptTag!(tag, text);
      }
    : undefined;
  const collected = await collectRoles(requests, { cwd: ctx.cwd, decryptTag, searchDirs: ctx.roleDirs, knownOps: opts.knownOps, validateExpressions: opts.validateExpressions });
  const issues = [...collected.issues, ...(opts.checkRoles ? opts.checkRoles(collected.roles, ctx.dir) : [])];
  ctx.issues.push(...issues);
  if (issues.length === 0 && !decrypted) opts.roleCache?.set(key, collected.roles, readSince);
  return collected.roles;
}

/** `serial` / `max_fail_percentage` of a group, normalized (a single size becomes a list, "25%" a number). */
function groupRollout(entry: GroupEntry | undefined, location: SourceLocation): GroupRollout | undefined {
  if (!entry || (entry.serial === undefined && entry.max_fail_percentage === undefined)) return undefined;
  const serial = entry.serial === undefined ? [] : Array.isArray(entry.serial) ? entry.serial : [entry.serial];
  const mfp = entry.max_fail_percentage;
  return { serial, ...(mfp !== undefined ? { maxFailPercentage: typeof mfp === 'number' ? mfp : Number(mfp.slice(0, -1)) } : {}), location };
}

/** The same problem found through several hosts (a group var, a shared role) is reported once. */
function dedupe(issues: InputIssue[]): InputIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = JSON.stringify([i.location, i.path, i.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
