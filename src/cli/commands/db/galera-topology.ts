/**
 * Where an inventory's Galera cluster is: the data nodes (the galera_group of the hosts that get
 * the galera role, in inventory order) and the arbitrators. Refuses an inventory whose galera
 * hosts disagree on the group, or that has none.
 */
import { UserError } from '../../../errors.js';
import type { Inventory } from '../../../model.js';
import { roleDefaults } from '../../../engine/scope.js';

export interface GaleraTopology {
  group: string;
  clusterName: string;
  nodes: string[];
  arbitrators: string[];
}

export function galeraTopology(inv: Inventory, wantedGroup?: string): GaleraTopology {
  const varOf = (host: string, name: string): unknown => {
    const h = inv.hosts.get(host)!;
    return h.vars[name] ?? roleDefaults(inv, h)[name];
  };
  const galeraHosts = [...inv.hosts.values()].filter((h) => h.roles.includes('galera')).map((h) => h.name);
  const groups = [...new Set(galeraHosts.map((h) => String(varOf(h, 'galera_group'))))];
  if (!groups.length) throw new UserError(`Inventory "${inv.name}" has no host with the galera role`);
  const group = wantedGroup ?? (groups.length === 1 ? groups[0]! : undefined);
  if (!group) throw new UserError(`Inventory "${inv.name}" has several Galera clusters (groups ${groups.map((g) => `"${g}"`).join(', ')}): say which with --group`);
  const members = inv.groups.get(group)?.hosts;
  if (!members?.length) throw new UserError(`Group "${group}" of inventory "${inv.name}" has no host`);
  const nodes = [...inv.hosts.keys()].filter((h) => members.includes(h) && inv.hosts.get(h)!.roles.includes('galera'));
  if (!nodes.length) throw new UserError(`No host of group "${group}" gets the galera role`);
  const arbGroup = String(varOf(nodes[0]!, 'galera_arbitrator_group') ?? '');
  const arbitrators = arbGroup ? (inv.groups.get(arbGroup)?.hosts ?? []).filter((h) => inv.hosts.get(h)?.roles.includes('galera_arbitrator')) : [];
  return { group, clusterName: String(varOf(nodes[0]!, 'galera_cluster_name')), nodes, arbitrators };
}
