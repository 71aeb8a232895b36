/** `apply -i lab`: the lab inventory's hosts are brought up by the engine itself when they are down. */
import type { Inventory } from '../model.js';
import { Lab } from '../lab/lab.js';
import { labConfig } from '../lab/config.js';

export async function ensureLabHosts(inv: Inventory): Promise<void> {
  const lab = new Lab(labConfig(), (s) => process.stderr.write(`lab: ${s}\n`));
  const running = new Set(lab.status().hosts.filter((h) => h.running).map((h) => h.name));
  // Machines a provider made are that provider's to start: only written hosts are booted here.
  const wanted = [...inv.hosts.values()].filter((h) => !h.machine).map((h) => ({ name: h.name, address: h.address }));
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
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, a]) => typeof a === 'string').map(([n, a]) => [n, a as string]).sort());
}
