/**
 * What the `wpha backup` subcommands share: loading the inventory (vault included), the hosts
 * that have the backup role, and running wpha-backup on one host over its SSH connection (the
 * command travels on the channel's stdin like every wpha script; its output comes back
 * redacted).
 */
import type { Command } from 'commander';
import { secretsRedactor } from '../../../engine/load.js';
import { eachHost } from '../../../engine/each-host.js';
import { UserError } from '../../../errors.js';
import type { Inventory } from '../../../model.js';
import type { Redactor } from '../../../secrets/redactor.js';
import { ensureLabHosts } from '../../lab-hosts.js';
import { addInventoryOptions, loadInventoryFor, type InventoryFlags } from '../../load.js';
import { didYouMean } from '../../../yaml/suggest.js';

export interface BackupFlags extends InventoryFlags {
  host?: string;
  json?: boolean;
  acceptNewHostKeys?: boolean;
}

export interface HostResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** The inventory options (src/cli/load.ts), --host, --accept-new-host-keys. */
export function backupOptions(cmd: Command, hostHelp = 'only this host (default: every host with the backup role)'): Command {
  return addInventoryOptions(cmd).option('--host <name>', hostHelp).option('--accept-new-host-keys', 'trust-on-first-use: record host keys not yet in known_hosts');
}

export async function loadBackupInventory(flags: BackupFlags): Promise<{ inv: Inventory; redactor: Redactor }> {
  const { inv } = await loadInventoryFor(flags);
  return { inv, redactor: secretsRedactor(inv) };
}

/** The hosts with the backup role (or `only`, which must be one of them). */
export function backupHosts(inv: Inventory, only?: string): string[] {
  const all = [...inv.hosts.values()].filter((h) => h.roles.includes('backup')).map((h) => h.name);
  if (only === undefined) {
    if (all.length === 0) throw new UserError(`No host of inventory "${inv.name}" has the backup role`);
    return all;
  }
  if (!inv.hosts.has(only)) throw new UserError(`Host "${only}" is not in inventory "${inv.name}"${didYouMean(only, [...inv.hosts.keys()])}`);
  if (!all.includes(only)) throw new UserError(`Host "${only}" does not have the backup role (hosts that do: ${all.join(', ') || 'none'})`);
  return [only];
}

/** Runs `script` (shell, as root) on `host`; an unreachable host is an error naming it. */
export async function runOnHost(inv: Inventory, host: string, script: string, flags: Pick<BackupFlags, 'acceptNewHostKeys'>): Promise<HostResult> {
  await ensureLabHosts(inv);
  const [outcome] = await eachHost(inv, { hosts: [host], forks: 1, acceptNewHostKeys: Boolean(flags.acceptNewHostKeys) }, async (remote) => {
    const r = await remote.run({ preludes: [], staged: [], applies: [{ id: 'backup', fragment: script, notifyFlags: [] }], facts: false, probes: [] });
    const res = r.applies[0];
    return { rc: res?.rc ?? r.exitCode, stdout: res?.stdout ?? '', stderr: res?.stderr ?? r.stderr };
  });
  if (!outcome!.ok) throw new UserError(`Cannot reach host "${host}": ${outcome!.error}`);
  return outcome!.value;
}

/** Prints host-prefixed lines (redacted). */
export function printLines(redactor: Redactor, host: string, text: string, stream: NodeJS.WriteStream = process.stdout): void {
  const lines = text
    .replace(/\n$/, '')
    .split('\n')
    .filter((l) => l !== '');
  if (lines.length) stream.write(redactor.redact(lines.map((l) => `${host} | ${l}\n`).join('')));
}
