/** The lab hosts an inventory describes (name + address), for `wpha lab up -i NAME`. */
import { UserError } from '../errors.js';
import type { HostRequest } from '../lab/lab.js';
import { loadForRun } from '../engine/load.js';
import { labEtcHosts } from './lab-hosts.js';

export async function labHostsOfInventory(name: string): Promise<{ hosts: HostRequest[]; extraNames: Record<string, string> }> {
  const inv = await loadForRun({ inventory: name });
  if (!inv.lab) throw new UserError(`Inventory "${name}" is not a lab inventory (it has no \`lab: true\`)`);
  return { hosts: [...inv.hosts.values()].filter((h) => !h.machine).map((h) => ({ name: h.name, address: h.address })), extraNames: labEtcHosts(inv) };
}
