/**
 * An Ansible inventory turned into a wpha inventory.yaml document whose resolved hosts, groups
 * and variables are what ansible-inventory resolves:
 *  - groups are written in Ansible's precedence order (priority, then name): wpha ranks groups
 *    by depth, then by declaration, so the same group wins a conflict;
 *  - connection variables become host settings (common ones become `defaults`);
 *  - where wpha's layering still differs (Ansible ranks every group_vars/ file above every
 *    inventory-file group var), the host gets the value Ansible gives it, with a note;
 *  - what cannot be mapped (names wpha refuses, Jinja in values, other connection settings) is
 *    reported with file:line and left out.
 */
import { GROUP_NAME, HOST_NAME, VAR_NAME } from '../../spec/names.js';
import type { AnsibleInventory, ImportIssue, Where } from './ansible-model.js';
import { isConnectionVar, mapConnection } from './connection-vars.js';

export interface ImportResult {
  doc: Record<string, unknown>;
  /** Not imported (left out), with where. */
  problems: ImportIssue[];
  /** Imported, with something to know. */
  notes: ImportIssue[];
}

const JINJA = /\{\{|\{%/;
const SETTINGS = ['user', 'port', 'become'] as const;

export function ansibleToWpha(inv: AnsibleInventory): ImportResult {
  const problems: ImportIssue[] = [...inv.issues];
  const notes: ImportIssue[] = [];
  const seen = new Set<string>();
  const report = (list: ImportIssue[], where: Where, message: string) => {
    const key = `${where.file}:${where.line}:${message}`;
    if (!seen.has(key)) list.push({ where, message }), seen.add(key);
  };
  const hostOk = (h: string) => HOST_NAME.test(h) && !inv.groups.has(h);
  for (const h of inv.hosts.values())
    if (!hostOk(h.name))
      report(
        problems,
        h.where,
        `Host "${h.name}" cannot be a wpha host name (lowercase letters, digits, ".", "_", "-", starting with a letter, not a group's name): left out; rename it and keep its address in ansible_host`,
      );
  const groupOk = (g: string) => g === 'all' || g === 'ungrouped' || GROUP_NAME.test(g);
  for (const g of inv.groups.values())
    if (!groupOk(g.name)) report(problems, g.where ?? { file: '?', line: 1 }, `Group "${g.name}" cannot be a wpha group name (lowercase letters, digits, "_", "-", starting with a letter): left out`);

  // Plain variables of each level (connection variables are host settings in wpha).
  const whereOf = (map: Record<string, Where>, k: string, fallback: Where) => map[k] ?? fallback;
  const plain = (vars: Record<string, unknown>, where: (k: string) => Where): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(vars)) {
      if (isConnectionVar(k)) continue;
      if (!VAR_NAME.test(k)) {
        report(problems, where(k), `Variable "${k}" is not a wpha variable name (letters, digits and "_"): left out`);
        continue;
      }
      if (JSON.stringify(v ?? null).match(JINJA))
        report(notes, where(k), `Variable "${k}" holds a Jinja expression, kept as text: wpha does not evaluate inventory values (set what it resolves to, or compute it in a role template)`);
      out[k] = v;
    }
    return out;
  };
  const groupLayer = (name: string) => {
    const g = inv.groups.get(name)!;
    const w = g.where ?? { file: '?', line: 1 };
    return { ...plain(g.vars, (k) => whereOf(g.varWhere, k, w)), ...plain(g.fileVars, (k) => whereOf(g.fileVarWhere, k, w)) };
  };

  const order = inv.precedenceOrder().filter((g) => g !== 'all' && g !== 'ungrouped' && groupOk(g));
  const hosts = [...inv.hosts.keys()].filter(hostOk);
  const groups: Record<string, Record<string, unknown>> = {};
  for (const name of order) {
    const g = inv.groups.get(name)!;
    const vars = groupLayer(name);
    const own = g.hosts.filter(hostOk);
    const children = g.children.filter((c) => c !== 'ungrouped' && groupOk(c));
    groups[name] = { ...(own.length ? { hosts: own } : {}), ...(children.length ? { children } : {}), ...(Object.keys(vars).length ? { vars } : {}) };
  }
  const allVars = groupLayer('all');

  // Host settings and vars, then the check that wpha's layering gives each host Ansible's values.
  const hostDocs: Record<string, Record<string, unknown>> = {};
  const depth = inv.depths();
  const wphaOrder = [...order].sort((a, b) => depth.get(a)! - depth.get(b)! || order.indexOf(a) - order.indexOf(b));
  for (const name of hosts) {
    const h = inv.hosts.get(name)!;
    const final = inv.hostVars(name);
    const conn = mapConnection(final);
    for (const p of conn.problems) report(problems, inv.whereOf(name, p.key), `${p.key} of host "${name}": ${p.message}`);
    for (const n of conn.notes) report(notes, inv.whereOf(name, n.key), `${n.key}: ${n.message}`);
    const vars = { ...plain(h.vars, (k) => whereOf(h.varWhere, k, h.where)), ...plain(h.fileVars, (k) => whereOf(h.fileVarWhere, k, h.where)), ...conn.vars };
    const mine = inv.groupsOf(name);
    const resolved: Record<string, unknown> = { ...allVars };
    for (const g of wphaOrder) if (mine.has(g)) Object.assign(resolved, groups[g]!.vars ?? {});
    Object.assign(resolved, vars);
    const wanted = { ...plain(final, (k) => inv.whereOf(name, k)), ...conn.vars };
    for (const [k, v] of Object.entries(wanted)) {
      if (JSON.stringify(resolved[k]) === JSON.stringify(v)) continue;
      vars[k] = v;
      report(notes, inv.whereOf(name, k), `Variable "${k}" is set on host "${name}": Ansible ranks group_vars/ files above the inventory's group vars, wpha ranks a group above "all" and its parents`);
    }
    hostDocs[name] = {
      address: conn.address ?? name,
      ...(conn.port !== undefined ? { port: conn.port } : {}),
      ...(conn.user !== undefined ? { user: conn.user } : {}),
      ...(conn.become !== undefined ? { become: conn.become } : {}),
      ...(conn.connection ? { connection: conn.connection } : {}),
      ...(conn.ssh && Object.keys(conn.ssh).length ? { ssh: conn.ssh } : {}),
      ...(Object.keys(vars).length ? { vars } : {}),
    };
  }
  const defaults = hoistDefaults(hostDocs);
  if (hosts.some((h) => hostDocs[h]!.user === undefined) && defaults.user === undefined && hosts.length) {
    notes.push({
      where: inv.hosts.get(hosts[0]!)!.where,
      message: 'Hosts without ansible_user: wpha connects as root (Ansible would use your local user name); set user (or defaults.user) if that is not what you want',
    });
  }
  const doc: Record<string, unknown> = {
    ...(Object.keys(defaults).length ? { defaults } : {}),
    hosts: hostDocs,
    ...(Object.keys(groups).length ? { groups } : {}),
    ...(Object.keys(allVars).length ? { vars: allVars } : {}),
  };
  return { doc, problems, notes };
}

/** A setting every host has with the same value moves to `defaults`. */
function hoistDefaults(hosts: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const list = Object.values(hosts);
  const defaults: Record<string, unknown> = {};
  for (const k of [...SETTINGS, 'ssh'] as const) {
    const first = JSON.stringify(list[0]?.[k]);
    if (list.length < 2 || list[0]?.[k] === undefined || !list.every((h) => JSON.stringify(h[k]) === first)) continue;
    defaults[k] = list[0]![k];
    for (const h of list) delete h[k];
  }
  return defaults;
}
