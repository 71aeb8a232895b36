/** `wpha inventory show|check`: resolve and validate an inventory without connecting anywhere. */
import type { Command } from 'commander';
import { defaultKnownOps } from '../../inventory/known-ops.js';
import { loadInventory } from '../../inventory/load.js';
import { formatCheckSummary, formatHostsText, hostViews, inventoryRedactor } from '../../inventory/show.js';
import type { KnownOps } from '../../roles/schema.js';

export interface InventoryCommandOptions {
  inventory: string;
  extraVars?: string[];
  cwd?: string;
  /** Default: the project's operations. */
  knownOps?: KnownOps;
}

async function load(opts: InventoryCommandOptions) {
  return loadInventory({ name: opts.inventory, cwd: opts.cwd, extraVars: opts.extraVars, knownOps: opts.knownOps ?? (await defaultKnownOps()) });
}

/** The text `inventory show` prints (secrets masked). */
export async function inventoryShow(opts: InventoryCommandOptions & { host?: string; json?: boolean }): Promise<string> {
  const inv = await load(opts);
  const views = hostViews(inv, opts.host);
  const text = opts.json ? JSON.stringify({ inventory: inv.name, dir: inv.dir, hosts: views }, null, 2) + '\n' : formatHostsText(views);
  // Vars already show ***; this also catches a secret value repeated inside another var.
  return inventoryRedactor(inv).redact(text);
}

/** The line `inventory check` prints; throws InputError listing every problem otherwise. */
export async function inventoryCheck(opts: InventoryCommandOptions): Promise<string> {
  return formatCheckSummary(await load(opts));
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function register(program: Command): void {
  const inventory = program.command('inventory').description('Show or validate an inventory (hosts, groups, roles, resolved vars)');
  const common = (cmd: Command) =>
    cmd
      .requiredOption('-i, --inventory <name>', 'inventory name (under inventories/) or path')
      .option('-e, --extra-vars <key=value|@file.yaml>', 'extra variables (highest precedence; repeatable, later wins)', collect);

  common(inventory.command('show').description('Print the resolved hosts: address, user, groups, roles and vars with role defaults applied (secrets as ***)'))
    .option('--host <name>', 'only this host')
    .option('--json', 'machine-readable output')
    .action(async (o: { inventory: string; extraVars?: string[]; host?: string; json?: boolean }) => {
      process.stdout.write(await inventoryShow(o));
    });

  common(inventory.command('check').description('Validate the inventory, its vars files and roles; report every problem at once'))
    .action(async (o: { inventory: string; extraVars?: string[] }) => {
      process.stdout.write(await inventoryCheck(o));
    });
}
