/**
 * Lab inventories (`lab: true`): the commands that contact hosts bring the inventory's lab
 * hosts up first when they are down (`wpha apply -i lab` on a fresh machine just works), and
 * `wpha lab up -i NAME` boots them by hand. The engine never boots anything: this is the CLI's.
 */
import { UserError } from '../errors.js';
import type { HostRequest } from '../lab/lab.js';
import type { Inventory } from '../model.js';
import { loadInventoryFor, type InventoryFlags } from './load.js';

/** Boots the written hosts of a lab inventory that are not running; nothing for other inventories. */
export async function ensureLabHosts(inv: Inventory): Promise<void> {
  if (!inv.lab) return;
  // Only lab inventories load the lab's code.
  const [{ Lab }, { labConfig }] = await Promise.all([import('../lab/lab.js'), import('../lab/config.js')]);
  const lab = new Lab(labConfig(), (s) => process.stderr.write(`lab: ${s}\n`));
  const running = new Set(
    lab
      .status()
      .hosts.filter((h) => h.running)
      .map((h) => h.name),
  );
  // Machines a provider made are that provider's to start: only written hosts are booted here.
  const wanted = labHostRequests(inv);
  await lab.setExtraNames(labEtcHosts(inv));
  if (wanted.every((h) => running.has(h.name))) return;
  const t0 = Date.now();
  await lab.up(wanted);
  process.stderr.write(`lab: ${wanted.length} host(s) of inventory "${inv.name}" up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

/** `lab_etc_hosts` (a var of group `all`: name -> address) of a lab inventory: the stack's own names. */
export function labEtcHosts(inv: Inventory): Record<string, string> {
  const first = inv.hosts.values().next().value;
  const v = first?.vars.lab_etc_hosts;
  if (!v || typeof v !== 'object') return {};
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([, a]) => typeof a === 'string')
      .map(([n, a]) => [n, a as string])
      .sort(),
  );
}

/** The lab hosts an inventory describes (name + address), for `wpha lab up -i NAME`. */
export async function labHostsOfInventory(flags: InventoryFlags): Promise<{ hosts: HostRequest[]; extraNames: Record<string, string> }> {
  const { inv } = await loadInventoryFor(flags);
  if (!inv.lab) throw new UserError(`Inventory "${flags.inventory}" is not a lab inventory (it has no \`lab: true\`)`);
  return { hosts: labHostRequests(inv), extraNames: labEtcHosts(inv) };
}

function labHostRequests(inv: Inventory): HostRequest[] {
  return [...inv.hosts.values()].filter((h) => !h.machine).map((h) => ({ name: h.name, address: h.address }));
}
