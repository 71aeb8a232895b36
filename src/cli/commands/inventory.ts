/** `wpha inventory show|check|import`: resolve and validate an inventory without connecting anywhere, or import one from Ansible. */
import type { Command } from 'commander';
import { formatCheckSummary, formatHostsText, hostViews, inventoryRedactor } from '../../play/show.js';
import { addInventoryOptions, loadInventoryFor, type InventoryFlags, type LoadContext } from '../load.js';
import { registerImport } from './inventory-import.js';

export type InventoryCommandOptions = InventoryFlags & LoadContext;

/** Loads as every command does: `!vault` values and vault files decrypted, expressions and templates checked. */
async function load(opts: InventoryCommandOptions) {
  return (await loadInventoryFor(opts, opts)).inv;
}

/** The text `inventory show` prints (secrets masked). */
export async function inventoryShow(opts: InventoryCommandOptions & { host?: string; json?: boolean }): Promise<string> {
  const inv = await load(opts);
  const views = hostViews(inv, opts.host);
  const text = opts.json ? JSON.stringify({ inventory: inv.name, dir: inv.dir, hosts: views }, null, 2) + '\n' : formatHostsText(views);
  // Vars already show ***; this also catches a secret value repeated inside another var, and
  // what the vault decrypted wherever it ended up.
  const redactor = inventoryRedactor(inv);
  for (const s of inv.secretValues ?? []) redactor.add(s);
  return redactor.redact(text);
}

/** The line `inventory check` prints; throws InputError listing every problem otherwise. */
export async function inventoryCheck(opts: InventoryCommandOptions): Promise<string> {
  return formatCheckSummary(await load(opts));
}

export function register(program: Command): void {
  const inventory = program.command('inventory').description('Show, validate or import an inventory (hosts, groups, roles, resolved vars)');

  addInventoryOptions(inventory.command('show').description('Print the resolved hosts: address, user, groups, roles and vars with role defaults applied (secrets as ***)'))
    .option('--host <name>', 'only this host')
    .option('--json', 'machine-readable output')
    .action(async (o: InventoryFlags & { host?: string; json?: boolean }) => {
      process.stdout.write(await inventoryShow(o));
    });

  addInventoryOptions(inventory.command('check').description('Validate the inventory, its vars files and roles; report every problem at once')).action(async (o: InventoryFlags) => {
    process.stdout.write(await inventoryCheck(o));
  });

  registerImport(inventory);
}
