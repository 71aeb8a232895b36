/**
 * What `wpha lint PATH` looks at: a role folder, an inventory folder, or a project (its roles/ and
 * inventories/). Roles are read with the loader (tasks with locations) plus their template files;
 * the other roles beside them and the shipped roles give context (dependencies, handlers other
 * roles notify, which variables are secret). A file that does not load is a load error (exit 2).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError, type InputIssue } from '../errors.js';
import type { RoleSpec } from '../model.js';
import { OPS } from '../ops/registry.js';
import { projectRoot, shippedRolesDir } from '../paths.js';
import { loadRoleFile, ROLE_FILE } from '../roles/load-role-file.js';
import { displayPath, readYamlFile } from '../yaml/read.js';
import type { YamlDoc } from '../yaml/parse.js';
import { VAULT_TAG, type DecryptTag } from '../yaml/walk.js';

export interface LintRole {
  spec: RoleSpec;
  doc: YamlDoc;
  /** Template files (relative to templates/) -> text and display path. */
  templates: Map<string, { text: string; file: string }>;
}

export interface LintInventory {
  dir: string;
  lab: boolean;
  /** inventory.yaml, group_vars/* and host_vars/* (vault files excluded). */
  docs: YamlDoc[];
}

export interface LintTarget {
  /** Every role known (targets and context), by name. */
  roles: Map<string, LintRole>;
  /** The roles to lint. */
  lintRoles: string[];
  inventories: LintInventory[];
  /** Files that did not load: reported, and `wpha lint` exits 2. */
  loadIssues: InputIssue[];
}

const isRoleDir = (d: string) => existsSync(path.join(d, ROLE_FILE));
const isInventoryDir = (d: string) => existsSync(path.join(d, 'inventory.yaml'));
const subdirs = (d: string) =>
  existsSync(d)
    ? readdirSync(d)
        .map((n) => path.join(d, n))
        .filter((p) => statSync(p).isDirectory())
        .sort()
    : [];

export async function collect(target: string, cwd: string): Promise<LintTarget> {
  const abs = path.resolve(cwd, target);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UserError(`Cannot lint "${target}": not a folder`);
  let roleDirs: string[] = [];
  let invDirs: string[] = [];
  if (isRoleDir(abs)) roleDirs = [abs];
  else if (isInventoryDir(abs)) invDirs = [abs];
  else {
    roleDirs = subdirs(path.join(abs, 'roles')).filter(isRoleDir);
    invDirs = subdirs(path.join(abs, 'inventories')).filter(isInventoryDir);
    if (roleDirs.length === 0 && invDirs.length === 0) roleDirs = subdirs(abs).filter(isRoleDir);
  }
  if (roleDirs.length === 0 && invDirs.length === 0) throw new UserError(`Cannot lint "${target}": no role (${ROLE_FILE}), inventory (inventory.yaml), roles/ or inventories/ there`);
  // Context: roles beside the targets, an inventory's own roles, the shipped roles.
  const contextDirs = [...new Set([...roleDirs.map((d) => path.dirname(d)), ...invDirs.map((d) => path.join(d, 'roles')), shippedRolesDir(projectRoot())])];
  const loadIssues: InputIssue[] = [];
  const roles = new Map<string, LintRole>();
  const load = async (dir: string) => {
    const name = path.basename(dir);
    if (roles.has(name)) return;
    const r = await loadRoleFile(name, dir, { knownOps: OPS, cwd });
    loadIssues.push(...r.issues);
    roles.set(name, { spec: r.spec, doc: r.doc, templates: readTemplates(dir, cwd) });
  };
  for (const d of roleDirs) await load(d);
  const lintRoles = [...roles.keys()];
  for (const c of contextDirs) for (const d of subdirs(c).filter(isRoleDir)) await load(d);
  const inventories: LintInventory[] = [];
  for (const dir of invDirs) inventories.push(await readInventory(dir, cwd, loadIssues));
  // Problems in context roles are theirs, not the target's: only the targets' load issues count.
  const mine = new Set([...roleDirs.map((d) => displayPath(path.join(d, ROLE_FILE), cwd))]);
  return { roles, lintRoles, inventories, loadIssues: loadIssues.filter((i) => !i.location || mine.has(i.location.file) || invDirs.some((d) => i.location!.file.startsWith(displayPath(d, cwd)))) };
}

function readTemplates(roleDir: string, cwd: string): Map<string, { text: string; file: string }> {
  const out = new Map<string, { text: string; file: string }>();
  const walk = (dir: string) => {
    for (const n of existsSync(dir) ? readdirSync(dir).sort() : []) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(path.relative(path.join(roleDir, 'templates'), p), { text: readFileSync(p, 'utf8'), file: displayPath(p, cwd) });
    }
  };
  walk(path.join(roleDir, 'templates'));
  return out;
}

/** `!vault` values are not decrypted: the linter only needs to know they came from the vault. */
const notDecrypted: DecryptTag = (tag) => {
  if (tag === VAULT_TAG) return '(from the vault)';
  throw new Error('the linter does not open vault files');
};

async function readInventory(dir: string, cwd: string, issues: InputIssue[]): Promise<LintInventory> {
  const main = await readYamlFile(path.join(dir, 'inventory.yaml'), { cwd, decryptTag: notDecrypted });
  issues.push(...main.issues);
  const docs = [main];
  for (const sub of ['group_vars', 'host_vars']) {
    for (const f of existsSync(path.join(dir, sub)) ? readdirSync(path.join(dir, sub)).sort() : []) {
      if (!/\.ya?ml$/.test(f)) continue;
      const doc = await readYamlFile(path.join(dir, sub, f), { cwd, decryptTag: notDecrypted });
      // A whole vault file cannot be read without its passphrase: every value in it is from the vault.
      if (!doc.ok && doc.issues.some((i) => i.message.startsWith('Cannot decrypt this vault file'))) continue;
      issues.push(...doc.issues);
      docs.push(doc);
    }
  }
  const raw = main.value as { lab?: unknown } | undefined;
  return { dir, lab: raw?.lab === true, docs };
}
