/**
 * Writes an inventory folder for lab hosts a test acquired, so that tests can run `wpha apply`
 * against them. The folder is a temp dir: inventory.yaml (+ optional group_vars, host_vars and
 * extra role folders linked under roles/).
 *
 *   const lab = await acquireLabHosts(2, 'eng');
 *   const inv = writeLabInventory(lab, {
 *     groups: { web: { hosts: [0, 1], roles: ['web_tier'] } },
 *     roleDirs: ['bench/web-tier/roles'],
 *     vars: { site_name: 'shop.lab' },
 *   });
 *   await runWpha(['apply', '-i', inv.dir, '--json']);
 */
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { LabHosts } from './lab-hosts.js';

export interface LabInventorySpec {
  /** Group name -> hosts (indexes into lab.hosts, or names) and roles. */
  groups: Record<string, { hosts?: (number | string)[]; children?: string[]; roles?: string[]; vars?: Record<string, unknown>; serial?: unknown; max_fail_percentage?: unknown }>;
  /** Vars of group `all`. */
  vars?: Record<string, unknown>;
  hostVars?: Record<string, Record<string, unknown>>;
  /** Folders (relative to the project root, or absolute) whose role subfolders are linked into the inventory's roles/. */
  roleDirs?: string[];
  /** Extra hosts that are not lab hosts (e.g. an unreachable address). */
  extraHosts?: Record<string, { address: string; port?: number; connection?: 'local'; vars?: Record<string, unknown> }>;
  connectTimeout?: number;
}

export interface LabInventory {
  dir: string;
}

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export function writeLabInventory(lab: LabHosts, spec: LabInventorySpec): LabInventory {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-inv-'));
  const name = (h: number | string) => (typeof h === 'number' ? lab.hosts[h]!.name : h);
  const hosts: Record<string, unknown> = {};
  for (const h of lab.hosts) hosts[h.name] = { address: h.address, ...(spec.hostVars?.[h.name] ? { vars: spec.hostVars[h.name] } : {}) };
  for (const [n, h] of Object.entries(spec.extraHosts ?? {}))
    hosts[n] = { address: h.address, ...(h.port ? { port: h.port } : {}), ...(h.connection ? { connection: h.connection } : {}), ...(h.vars ? { vars: h.vars } : {}) };
  const groups: Record<string, unknown> = {};
  for (const [g, v] of Object.entries(spec.groups)) {
    groups[g] = {
      ...(v.hosts ? { hosts: v.hosts.map(name) } : {}),
      ...(v.children ? { children: v.children } : {}),
      ...(v.roles ? { roles: v.roles } : {}),
      ...(v.vars ? { vars: v.vars } : {}),
      ...(v.serial !== undefined ? { serial: v.serial } : {}),
      ...(v.max_fail_percentage !== undefined ? { max_fail_percentage: v.max_fail_percentage } : {}),
    };
  }
  const doc = {
    defaults: { user: 'root', ssh: { key: lab.key, known_hosts: lab.knownHosts, ...(spec.connectTimeout ? { connect_timeout: spec.connectTimeout } : {}) } },
    hosts,
    groups,
    ...(spec.vars ? { vars: spec.vars } : {}),
  };
  writeFileSync(path.join(dir, 'inventory.yaml'), stringify(doc));
  if (spec.roleDirs?.length) {
    mkdirSync(path.join(dir, 'roles'));
    for (const rd of spec.roleDirs) {
      const abs = path.isAbsolute(rd) ? rd : path.join(projectRoot, rd);
      for (const role of readdirSync(abs)) symlinkSync(path.join(abs, role), path.join(dir, 'roles', role));
    }
  }
  return { dir };
}
