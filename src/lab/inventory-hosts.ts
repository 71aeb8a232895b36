/** The lab hosts an inventory describes (name + address), for `wpha lab up -i NAME` and `apply`. */
import { UserError } from '../errors.js';
import type { HostRequest } from './lab.js';

// Resolved at run time until the inventory loader is wired in statically.
const INVENTORY_LOADER: string = '../inventory/load.js';

export async function labHostsOfInventory(name: string): Promise<HostRequest[]> {
  const { loadInventory } = await import(INVENTORY_LOADER).catch(() => ({ loadInventory: undefined }));
  if (!loadInventory) throw new UserError('Inventories cannot be loaded yet: use `wpha lab up --hosts N`');
  const inv = await (loadInventory as (o: { name: string }) => Promise<{ lab?: unknown; hosts: Map<string, { name: string; address: string }> }>)({ name });
  if (!inv.lab) throw new UserError(`Inventory "${name}" is not a lab inventory (it has no \`lab: true\`)`);
  return [...inv.hosts.values()].map((h) => ({ name: h.name, address: h.address }));
}
