/**
 * Reading an Ansible inventory source as ansible-inventory would: INI, YAML, or the JSON that
 * `ansible-inventory --list` (or a dynamic inventory script) prints; then the group_vars/ and
 * host_vars/ folders beside it (files <name>, <name>.yml, .yaml, .json, or a folder of them).
 * A script itself is not run: it is reported, with how to import its output instead.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { AnsibleInventory, type Where } from './ansible-model.js';
import { readAnsibleIni } from './ansible-ini.js';
import { readAnsibleYaml } from './ansible-yaml.js';

const VARS_EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export function readAnsibleSource(file: string, display: string): AnsibleInventory {
  const text = readFileSync(file, 'utf8');
  const inv = new AnsibleInventory();
  if (text.startsWith('#!') || (statSync(file).mode & 0o111) !== 0) {
    inv.issues.push({
      where: { file: display, line: 1 },
      message: 'A dynamic inventory script is not run by wpha: import what it prints instead (`ansible-inventory -i FILE --list > hosts.json`, then `wpha inventory import hosts.json`)',
    });
    return inv;
  }
  const format = formatOf(file, text);
  if (format === 'json') readListJson(text, display, inv);
  else if (format === 'yaml') readAnsibleYaml(text, display, inv);
  else readAnsibleIni(text, display, inv);
  readVarsFolders(path.dirname(file), display, inv);
  return inv;
}

/** By extension, else by the first line that is not a comment: `name:` (or ---) is YAML, `{` JSON, the rest INI. */
export function formatOf(file: string, text: string): 'json' | 'yaml' | 'ini' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json' || text.trimStart().startsWith('{')) return 'json';
  if (ext === '.yml' || ext === '.yaml') return 'yaml';
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !/^\s*[#;]/.test(l)) ?? '';
  return first.trim() === '---' || /^[^\s[][^=]*:\s*(#.*)?$/.test(first) ? 'yaml' : 'ini';
}

/** `ansible-inventory --list` output: `_meta.hostvars`, and groups with hosts, children, vars. */
function readListJson(text: string, file: string, inv: AnsibleInventory): void {
  const where: Where = { file, line: 1 };
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    return void inv.issues.push({ where, message: `Cannot parse the JSON: ${(e as Error).message}` });
  }
  const meta = (data._meta as { hostvars?: Record<string, Record<string, unknown>> } | undefined)?.hostvars ?? {};
  for (const [name, g] of Object.entries(data)) {
    if (name === '_meta') continue;
    const group = (Array.isArray(g) ? { hosts: g } : g) as { hosts?: string[]; children?: string[]; vars?: Record<string, unknown> };
    inv.addGroup(name, where);
    for (const h of group.hosts ?? []) inv.addHost(h, name, where);
    for (const c of group.children ?? []) inv.addChild(name, c);
    for (const [k, v] of Object.entries(group.vars ?? {})) inv.setGroupVar(name, k, v, where);
  }
  for (const [h, vars] of Object.entries(meta)) {
    if (!inv.hosts.has(h)) inv.addHost(h, undefined, where);
    for (const [k, v] of Object.entries(vars)) inv.setHostVar(h, k, v, where);
  }
  inv.reconcile();
}

/** group_vars/ and host_vars/ beside the inventory file (Ansible's host_group_vars plugin). */
function readVarsFolders(dir: string, display: string, inv: AnsibleInventory): void {
  const base = path.dirname(display);
  for (const kind of ['group_vars', 'host_vars'] as const) {
    const folder = path.join(dir, kind);
    if (!existsSync(folder)) continue;
    const names = kind === 'group_vars' ? [...inv.groups.keys()] : [...inv.hosts.keys()];
    for (const name of names) {
      for (const f of varsFiles(folder, name)) {
        const shown = path.join(base, kind, path.relative(folder, f));
        const { vars, where } = readVarsFile(f, shown, inv);
        const target = kind === 'group_vars' ? inv.groups.get(name)! : inv.hosts.get(name)!;
        Object.assign(target.fileVars, vars);
        Object.assign(target.fileVarWhere, where);
      }
    }
  }
}

function varsFiles(folder: string, name: string): string[] {
  const found: string[] = [];
  for (const ext of VARS_EXTENSIONS) {
    const p = path.join(folder, `${name}${ext}`);
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory())
      found.push(
        ...readdirSync(p)
          .sort()
          .filter((f) => VARS_EXTENSIONS.includes(path.extname(f)))
          .map((f) => path.join(p, f)),
      );
    else found.push(p);
  }
  return found;
}

function readVarsFile(file: string, shown: string, inv: AnsibleInventory): { vars: Record<string, unknown>; where: Record<string, Where> } {
  const none = { vars: {}, where: {} };
  const text = readFileSync(file, 'utf8');
  if (text.startsWith('$ANSIBLE_VAULT')) {
    inv.issues.push({ where: { file: shown, line: 1 }, message: 'An Ansible Vault file cannot be read here: decrypt it (ansible-vault view), then keep its values in the wpha vault (docs/vault.md)' });
    return none;
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    inv.issues.push({ where: { file: shown, line: lc.linePos(doc.errors[0]!.pos[0]).line }, message: `YAML: ${doc.errors[0]!.message.split('\n')[0]}` });
    return none;
  }
  const value = doc.toJSON() as unknown;
  if (value === null || value === undefined) return none;
  if (typeof value !== 'object' || Array.isArray(value) || !isMap(doc.contents)) {
    inv.issues.push({ where: { file: shown, line: 1 }, message: 'Expected a map of variables' });
    return none;
  }
  const where: Record<string, Where> = {};
  for (const pair of doc.contents.items) {
    const key = pair.key as { toJSON(): unknown; range?: [number, number, number] };
    where[String(key.toJSON())] = { file: shown, line: key.range ? lc.linePos(key.range[0]).line : 1 };
  }
  return { vars: value as Record<string, unknown>, where };
}
