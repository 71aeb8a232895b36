/**
 * The seam between the state file and the inventory: hosts a provider made (wpha-state.json next
 * to inventory.yaml) join their groups like hosts written in inventory.yaml, so `apply`, `plan`,
 * `inventory show` and `upgrade` all see the same hosts. Only members join: a machine still being
 * created (no address yet) or being retired (out of every pool) is left out.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { InputIssue, SourceLocation } from '../errors.js';
import type { MadeHost } from '../model.js';
import { MachineRecordSchema, MEMBER_STATUSES, STATE_FILE, StateFileSchema } from '../state/schema.js';
import { readYamlFile, type ReadYamlOptions } from '../yaml/read.js';
import { zodIssuesToInputIssues } from '../yaml/zod-issues.js';
import { HOST_NAME, HOST_NAME_RULE } from '../spec/names.js';
import type { InventoryParts } from './read-file.js';

export interface JoinedMachine {
  group: string;
  address: string;
  made: MadeHost;
  location: SourceLocation;
}

export interface StateMachines {
  /** The state's id (undefined when there is no state file). */
  id?: string;
  machines: Map<string, JoinedMachine>;
}

/** Reads the state file of an inventory folder; a missing file is an empty state. */
export async function readStateMachines(dir: string, io: ReadYamlOptions, issues: InputIssue[]): Promise<StateMachines> {
  const out: StateMachines = { machines: new Map() };
  const file = path.join(dir, STATE_FILE);
  if (!existsSync(file)) return out;
  // JSON is YAML: the YAML reader gives every problem a file:line:col.
  const doc = await readYamlFile(file, io);
  issues.push(...doc.issues);
  if (!doc.ok) return out;
  const parsed = StateFileSchema.safeParse(doc.value);
  if (!parsed.success) issues.push(...zodIssuesToInputIssues(parsed.error.issues, { doc, schema: StateFileSchema }));
  // Every machine that is valid on its own still joins, so one bad entry hides no other problem.
  const raw = (doc.value ?? {}) as { id?: unknown; machines?: Record<string, unknown> };
  if (typeof raw.id === 'string') out.id = raw.id;
  for (const [name, entry] of Object.entries(raw.machines && typeof raw.machines === 'object' ? raw.machines : {})) {
    const one = MachineRecordSchema.safeParse(entry);
    if (!one.success) continue;
    const m = one.data;
    const location = doc.keyAt(['machines', name]);
    if (!HOST_NAME.test(name)) {
      issues.push({ location, path: ['machines', name], message: HOST_NAME_RULE });
      continue;
    }
    if (!MEMBER_STATUSES.has(m.status)) continue;
    if (!m.address) {
      issues.push({ location, path: ['machines', name, 'address'], message: `Machine "${name}" is ${m.status} but has no address` });
      continue;
    }
    const made: MadeHost = { provider: m.provider, image: m.image, created: m.created, status: m.status, ...(m.provider_id ? { providerId: m.provider_id } : {}) };
    out.machines.set(name, { group: m.group, address: m.address, made, location });
  }
  return out;
}

/** Adds the machines to the parts read from inventory.yaml, as hosts of their groups. */
export function joinMachines(parts: InventoryParts, state: StateMachines, issues: InputIssue[]): void {
  for (const [name, m] of state.machines) {
    const path = ['machines', name];
    if (parts.hostNames.includes(name)) {
      issues.push({ location: m.location, path, message: `Machine "${name}" has the name of a host written in inventory.yaml; rename one of them` });
      continue;
    }
    const group = parts.groups.get(m.group);
    if (!group) {
      issues.push({ location: m.location, path: [...path, 'group'], message: `Machine "${name}" belongs to group "${m.group}", which inventory.yaml no longer declares` });
      continue;
    }
    if (!group.machines) {
      issues.push({ location: m.location, path: [...path, 'group'], message: `Machine "${name}" belongs to group "${m.group}", which has no "machines:" settings in inventory.yaml` });
      continue;
    }
    parts.hostNames.push(name);
    parts.hosts.set(name, { address: m.address });
    parts.groups.set(m.group, { ...group, hosts: [...(group.hosts ?? []), name] });
  }
}
