/** The lab hosts an inventory describes (name + address), for `wpha lab up -i NAME`. */
import { UserError } from '../errors.js';
import type { HostRequest } from './lab.js';
import { loadForRun } from '../engine/load.js';

export async function labHostsOfInventory(name: string): Promise<HostRequest[]> {
  const inv = await loadForRun({ inventory: name });
  if (!inv.lab) throw new UserError(`Inventory "${name}" is not a lab inventory (it has no \`lab: true\`)`);
  return [...inv.hosts.values()].map((h) => ({ name: h.name, address: h.address }));
}
