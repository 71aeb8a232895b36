/**
 * The one way a command loads its inventory: the same options everywhere (-i, -e,
 * --vault-password-file, and -l where a command acts on a selection of hosts) and the same
 * load (vault passphrases from those files, the environment or a prompt on a terminal; role
 * files, templates and expressions checked; the limit checked against the inventory), all before
 * any host is contacted. Commands never call the engine's loader themselves.
 */
import type { Command } from 'commander';
import { loadForRun } from '../engine/load.js';
import { defaultRoleCache } from '../engine/role-cache.js';
import { selectHosts } from '../engine/limit.js';
import os from 'node:os';
import type { Inventory } from '../model.js';
import { withLocalConnection } from '../inventory/connection.js';
import type { KnownOps } from '../roles/schema.js';
import { passphrasesFor } from '../vault/actions.js';
import type { Passphrases } from '../vault/passphrase.js';
import { promptHidden } from './prompt.js';

export interface InventoryFlags {
  inventory: string;
  extraVars?: string[];
  /** `--vault-password-file` values (FILE or LABEL@FILE). */
  vaultPasswordFile?: string[];
  limit?: string;
  /** `--connection local`: every host is reached through the local shell. */
  connection?: 'local';
}

/** What tests give instead of the process's own working folder, terminal and operations. */
export interface LoadContext {
  cwd?: string;
  passphrases?: Passphrases;
  knownOps?: KnownOps;
}

export interface LoadedInventory {
  inv: Inventory;
  /** The hosts `-l` selects (all without it), in inventory order. */
  hosts: string[];
  /** Loads the inventory again (after a command changed its state), asking no passphrase twice. */
  reload: () => Promise<Inventory>;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** -i, -e and --vault-password-file; with `limit`, -l too; with `inventory`, -i defaults to it. */
export function addInventoryOptions(cmd: Command, opts: { limit?: boolean; inventory?: string } = {}): Command {
  const what = 'inventory name (folder under inventories/) or path';
  if (opts.inventory) cmd.option('-i, --inventory <name>', what, opts.inventory);
  else cmd.requiredOption('-i, --inventory <name>', what);
  cmd
    .option('-e, --extra-vars <key=value|@file.yaml>', 'extra variables, highest precedence (repeatable, later wins)', collect, [])
    .option(
      '--vault-password-file <FILE|LABEL@FILE>',
      'vault passphrase file, for one label or any (repeatable; env WPHA_VAULT_PASSWORD[_<LABEL>] or WPHA_VAULT_PASSWORD_FILE also work)',
      collect,
      [],
    );
  if (opts.limit) cmd.option('-l, --limit <pattern>', 'only these hosts: names, groups, globs; "!x" excludes, "&x" intersects (e.g. "web:!web2")');
  return cmd;
}

export async function loadInventoryFor(flags: InventoryFlags, ctx: LoadContext = {}): Promise<LoadedInventory> {
  const cwd = ctx.cwd ?? process.cwd();
  // One Passphrases for every load of this command: a passphrase typed once is asked no more.
  const passphrases = ctx.passphrases ?? passphrasesFor(flags, { cwd, env: process.env, err: (s) => void process.stderr.write(s), ...(process.stdin.isTTY ? { prompt: promptHidden } : {}) });
  // Tests that give their own operations load the roles every time.
  const roleCache = ctx.knownOps ? undefined : defaultRoleCache();
  const load = () =>
    loadForRun({ inventory: flags.inventory, extraVars: flags.extraVars ?? [], cwd, passphrases, ...(ctx.knownOps ? { knownOps: ctx.knownOps } : {}), ...(roleCache ? { roleCache } : {}) });
  const reload = flags.connection === 'local' ? () => load().then(allLocal) : load;
  const inv = await reload();
  return { inv, hosts: selectHosts(inv, flags.limit), reload };
}

/** The inventory with every host reached through the local shell, as the user running wpha. */
function allLocal(inv: Inventory): Inventory {
  const user = os.userInfo().username;
  return { ...inv, hosts: new Map([...inv.hosts].map(([name, h]) => [name, withLocalConnection(h, user)])) };
}
