/**
 * A test inventory with providers: writeLabInventory's folder, plus `providers:` and the keys a
 * group gets for machines and upgrades (which writeLabInventory does not know).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory, type LabInventorySpec } from '../helpers/lab-inventory.js';

export interface MachineGroups {
  /** Group -> its `machines:` and `upgrade:` settings. */
  [group: string]: { machines?: Record<string, unknown>; upgrade?: Record<string, unknown> };
}

export function writeProviderInventory(lab: LabHosts, spec: LabInventorySpec, machineGroups: MachineGroups, opts: { providers?: Record<string, unknown>; knownHosts?: string } = {}): string {
  const dir = writeLabInventory(lab, spec).dir;
  const file = path.join(dir, 'inventory.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as { groups: Record<string, Record<string, unknown>>; providers?: unknown; defaults: { ssh: Record<string, unknown> } };
  doc.providers = opts.providers ?? { lab: { type: 'lab' } };
  if (opts.knownHosts) doc.defaults.ssh.known_hosts = opts.knownHosts;
  for (const [g, extra] of Object.entries(machineGroups)) doc.groups[g] = { ...(doc.groups[g] ?? {}), ...extra };
  writeFileSync(file, stringify(doc));
  return dir;
}

export const readStateFile = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'wpha-state.json'), 'utf8')) as {
    id: string;
    machines: Record<string, { group: string; image: string; address?: string; status: string; provider_id?: string }>;
    rollout?: Record<string, unknown>;
  };
