/** `wpha inventory show|check`: resolve and validate an inventory without connecting anywhere. */
import type { Command } from 'commander';
import { templateChecks, validateTaskExpressions } from '../../engine/load.js';
import { defaultKnownOps } from '../../inventory/known-ops.js';
import { loadInventory } from '../../inventory/load.js';
import { formatCheckSummary, formatHostsText, hostViews, inventoryRedactor } from '../../inventory/show.js';
import type { KnownOps } from '../../roles/schema.js';
import { passphrasesFor } from '../../vault/actions.js';
import { loadWithVault } from '../../vault/load.js';
import type { Passphrases } from '../../vault/passphrase.js';
import { addVaultPasswordOption, promptHidden } from '../options.js';
import { registerImport } from './inventory-import.js';

export interface InventoryCommandOptions {
  inventory: string;
  extraVars?: string[];
  cwd?: string;
  /** Default: the project's operations. */
  knownOps?: KnownOps;
  /** `--vault-password-file` values (FILE or LABEL@FILE). */
  vaultPasswordFile?: string[];
  /** Vault passphrases; default: from vaultPasswordFile, the environment, or a prompt on a terminal. */
  passphrases?: Passphrases;
}

/** Loads as `apply` does: `!vault` values and vault files decrypted, expressions and templates checked. */
async function load(opts: InventoryCommandOptions) {
  const cwd = opts.cwd ?? process.cwd();
  const knownOps = opts.knownOps ?? (await defaultKnownOps());
  const passphrases =
    opts.passphrases ??
    passphrasesFor({ vaultPasswordFile: opts.vaultPasswordFile ?? [] }, { cwd, env: process.env, err: (s) => void process.stderr.write(s), ...(process.stdin.isTTY ? { prompt: promptHidden } : {}) });
  const { value: inv, secrets } = await loadWithVault(
    (decryptTag) => loadInventory({ name: opts.inventory, cwd, extraVars: opts.extraVars, knownOps, validateExpressions: validateTaskExpressions, checkRoles: templateChecks(cwd), decryptTag }),
    passphrases,
  );
  inv.secretValues = secrets;
  return inv;
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

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function register(program: Command): void {
  const inventory = program.command('inventory').description('Show, validate or import an inventory (hosts, groups, roles, resolved vars)');
  const common = (cmd: Command) =>
    addVaultPasswordOption(
      cmd
        .requiredOption('-i, --inventory <name>', 'inventory name (under inventories/) or path')
        .option('-e, --extra-vars <key=value|@file.yaml>', 'extra variables (highest precedence; repeatable, later wins)', collect),
    );

  common(inventory.command('show').description('Print the resolved hosts: address, user, groups, roles and vars with role defaults applied (secrets as ***)'))
    .option('--host <name>', 'only this host')
    .option('--json', 'machine-readable output')
    .action(async (o: { inventory: string; extraVars?: string[]; host?: string; json?: boolean; vaultPasswordFile?: string[] }) => {
      process.stdout.write(await inventoryShow(o));
    });

  common(inventory.command('check').description('Validate the inventory, its vars files and roles; report every problem at once'))
    .action(async (o: { inventory: string; extraVars?: string[]; vaultPasswordFile?: string[] }) => {
      process.stdout.write(await inventoryCheck(o));
    });

  registerImport(inventory);
}
