/**
 * What every `wpha db` subcommand starts with: its options, the inventory (validated, secrets
 * decrypted), the replication group it is about, SSH connections to the group's members and SQL
 * proxies, and a printer that masks secrets and numbers the runbook's steps.
 */
import type { Command } from 'commander';
import { secretsRedactor } from '../../../engine/load.js';
import { roleDefaults } from '../../../engine/scope.js';
import { UserError } from '../../../errors.js';
import type { Inventory } from '../../../model.js';
import type { Redactor } from '../../../secrets/redactor.js';
import { pickGroup, replicationTopologies, type ReplicationTopology } from '../../../db/topology.js';
import { addInventoryOptions, loadInventoryFor, type InventoryFlags } from '../../load.js';
import { positiveInt } from '../../options.js';
import { DbSession } from './session.js';

export interface DbFlags extends InventoryFlags {
  group?: string;
  connectTimeout: number;
  acceptNewHostKeys?: boolean;
}

export function addDbOptions(cmd: Command): Command {
  return addInventoryOptions(cmd)
    .option('-g, --group <name>', 'the replication group (needed when the inventory has several)')
    .option('--connect-timeout <seconds>', 'SSH connect timeout per host: a host that does not answer in time counts as down', (v) => positiveInt(v, '--connect-timeout'), 5)
    .option('--accept-new-host-keys', 'trust-on-first-use: record host keys not yet in known_hosts (a changed key is still refused)');
}

export interface DbContext {
  inv: Inventory;
  topo: ReplicationTopology;
  session: DbSession;
  redactor: Redactor;
  /** Prints a line (secrets masked). */
  say: (line: string) => void;
}

/** Every replication group of the inventory. */
export function topologiesOf(inv: Inventory): ReplicationTopology[] {
  const hosts = [...inv.hosts.values()].map((h) => ({ name: h.name, address: h.address, roles: h.roles, vars: { ...roleDefaults(inv, h), ...h.vars } }));
  return replicationTopologies(hosts, (g) => groupMembers(inv, g));
}

export function topologyOf(inv: Inventory, group?: string): ReplicationTopology {
  try {
    return pickGroup(topologiesOf(inv), group);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

function groupMembers(inv: Inventory, group: string, seen = new Set<string>()): string[] {
  const g = inv.groups.get(group);
  if (!g || seen.has(group)) return [];
  seen.add(group);
  return [...new Set([...g.hosts, ...g.children.flatMap((c) => groupMembers(inv, c, seen))])];
}

/** The inventory, validated with its vault values decrypted. */
export async function loadDbInventory(flags: DbFlags): Promise<Inventory> {
  return (await loadInventoryFor(flags)).inv;
}

/** Connections to a group's members and its SQL proxies, and a printer that masks secrets. */
export async function openGroup(inv: Inventory, topo: ReplicationTopology, flags: DbFlags): Promise<DbContext> {
  const redactor = secretsRedactor(inv);
  const session = await DbSession.open(inv, [...topo.members.map((m) => m.name), ...topo.proxies.map((p) => p.name)], {
    connectTimeoutMs: flags.connectTimeout * 1000,
    acceptNewHostKeys: Boolean(flags.acceptNewHostKeys),
  });
  return { inv, topo, session, redactor, say: (line) => void process.stdout.write(redactor.redact(`${line}\n`)) };
}

export async function openDb(flags: DbFlags): Promise<DbContext> {
  const inv = await loadDbInventory(flags);
  return openGroup(inv, topologyOf(inv, flags.group), flags);
}
