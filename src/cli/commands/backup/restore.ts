/**
 * `wpha backup restore`: put a backup's databases and files back on a host (the host it was
 * taken on, or a new one that reads the same rclone remote). The host checks the backup's
 * sha256 manifest first: a backup that fails it is reported and nothing is restored.
 */
import type { Command } from 'commander';
import { ExitCode, UserError } from '../../../errors.js';
import { idToIso, parseSetLines, pickSet } from '../../../backup/sets.js';
import { quote } from '../../../shell/quote.js';
import { backupHosts, backupOptions, loadBackupInventory, printLines, runOnHost, type BackupFlags } from './host-exec.js';

interface RestoreFlags extends BackupFlags {
  from?: string;
  at?: string;
  db?: boolean;
  files?: boolean;
  configs?: boolean;
  dryRun?: boolean;
}

/** Exit statuses of `wpha-backup restore` that are answers, not crashes. */
const REFUSED = 3;
const NEEDS_IDENTITY = 4;

/** The script sent to the host: the age identities (if any) go to a 0600 file in /run for the run only. */
export function restoreScript(args: string[], identities: string[]): string {
  const call = `wpha-backup restore ${args.map(quote).join(' ')}`;
  if (identities.length === 0) return call;
  return [
    'umask 077',
    'wpha_id=$(mktemp /run/wpha-age-identity.XXXXXX)',
    'trap \'rm -f "$wpha_id"\' EXIT',
    'cat > "$wpha_id" <<\'WPHA_IDENTITY_EOF\'',
    ...identities.map((i) => i.trim()),
    'WPHA_IDENTITY_EOF',
    `${call} --identity "$wpha_id"`,
  ].join('\n');
}

export async function backupRestore(flags: RestoreFlags): Promise<number> {
  if (!flags.host) throw new UserError('Restore needs --host: the host to restore onto');
  const { inv, redactor } = await loadBackupInventory(flags);
  const [host] = backupHosts(inv, flags.host) as [string];
  const from = flags.from ?? host;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(from)) throw new UserError(`Invalid --from "${from}": a host name`);
  const vars = inv.hosts.get(host)!.vars;
  if (from !== host && !vars.backup_remote)
    throw new UserError(`Host "${host}" has no backup_remote: it can only restore its own backups (set backup_remote to the remote holding those of "${from}")`);

  const list = [from === host ? 'wpha-backup list --json' : '', vars.backup_remote ? `wpha-backup list --remote --from ${quote(from)} --json` : ''].filter(Boolean).join(' && ');
  const listed = await runOnHost(inv, host, list, flags);
  if (listed.rc !== 0) throw new UserError(redactor.redact(`Cannot list the backups of "${from}" on host "${host}": ${listed.stderr.trim()}`));
  const set = pickSet(parseSetLines(listed.stdout), from, flags.at);
  process.stdout.write(`${host} | restoring backup ${set.id} (${idToIso(set.id)}) of ${from}, ${set.where === 'local' ? 'from the host' : 'from the remote'}${flags.dryRun ? ' (dry run)' : ''}\n`);

  const args = ['--from', from, ...(['db', 'files', 'configs'] as const).filter((p) => flags[p]).map((p) => `--${p}`), ...(flags.dryRun ? ['--dry-run'] : []), set.id];
  // The private keys of both hosts (a new host restores what the old one encrypted to its own key).
  const identities = [...new Set([host, from].map((h) => inv.hosts.get(h)?.vars.backup_age_identity).filter((v): v is string => typeof v === 'string' && v !== ''))];
  const r = await runOnHost(inv, host, restoreScript(args, identities), flags);
  printLines(redactor, host, r.stdout);
  if (r.rc === 0) return ExitCode.ok;
  printLines(redactor, host, r.stderr, process.stderr);
  if (r.rc === REFUSED)
    process.stderr.write(`Backup ${set.id} of "${from}" fails its checksums: nothing was restored. Pick another with --at (wpha backup list -i ${flags.inventory} --host ${host}).\n`);
  if (r.rc === NEEDS_IDENTITY) process.stderr.write(`Backup ${set.id} of "${from}" is encrypted and the inventory gives no backup_age_identity for "${host}" or "${from}".\n`);
  return ExitCode.failed;
}

export function registerRestore(backup: Command): void {
  backupOptions(backup.command('restore'), 'the host to restore onto (required)')
    .description('Restore the databases and data folders of a backup onto a host, checksums checked first')
    .option('--from <host>', "whose backup (default: --host itself); another host's backups are read from the rclone remote")
    .option('--at <time>', 'the newest backup at or before this time: a date (its end), a date and time (UTC unless +hh:mm), or a backup id (default: the newest)')
    .option('--db', 'only the databases (the default is databases and data folders)')
    .option('--files', 'only the data folders')
    .option('--configs', 'the config folders (not restored by default: wpha writes them at the next apply)')
    .option('--dry-run', 'say what would be restored, change nothing')
    .addHelpText(
      'after',
      `
Each database is loaded beside the live one and swapped in with one RENAME TABLE: the previous
tables stay in wpha_prev_<db>. Each data folder is extracted beside the live one and swapped
in: the previous one stays as <folder>.wpha-before-restore. A backup whose sha256 manifest does
not match is refused (exit 1, nothing touched); it is never replaced by an older one silently.
Examples:
  wpha backup restore -i prod --host db1 --dry-run
  wpha backup restore -i prod --host db1 --at 2026-12-04T06:00
  wpha backup restore -i prod --host db2 --from db1 --db      # onto a new host, from the remote`,
    )
    .action(async (flags: RestoreFlags) => {
      process.exitCode = await backupRestore(flags);
    });
}
