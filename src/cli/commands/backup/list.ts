/** `wpha backup list`: the backups of each backup host, on the host and on its remote. */
import type { Command } from 'commander';
import { ExitCode } from '../../../errors.js';
import { parseSetLines, setsTable, type BackupSet } from '../../../backup/sets.js';
import { backupHosts, backupOptions, loadBackupInventory, printLines, runOnHost, type BackupFlags } from './host-exec.js';

export async function backupList(flags: BackupFlags & { local?: boolean }): Promise<number> {
  const { inv, redactor } = await loadBackupInventory(flags);
  const sets: BackupSet[] = [];
  let failed = false;
  for (const host of backupHosts(inv, flags.host)) {
    const remote = Boolean(inv.hosts.get(host)!.vars.backup_remote) && !flags.local;
    const r = await runOnHost(inv, host, `wpha-backup list --json${remote ? ' && wpha-backup list --remote --json' : ''}`, flags);
    if (r.rc !== 0) {
      failed = true;
      printLines(redactor, host, `cannot list its backups (exit ${r.rc}): ${r.stderr.trim()}`, process.stderr);
    }
    sets.push(...parseSetLines(r.stdout));
  }
  if (flags.json) process.stdout.write(redactor.redact(sets.map((s) => JSON.stringify(s)).join('\n') + (sets.length ? '\n' : '')));
  else process.stdout.write(redactor.redact(sets.length ? `${setsTable(sets)}\n` : 'no backups\n'));
  return failed ? ExitCode.failed : ExitCode.ok;
}

export function registerList(backup: Command): void {
  backupOptions(backup.command('list'))
    .description('List the backups of each backup host: on the host and on its rclone remote')
    .option('--json', 'one JSON object per backup and line')
    .option('--local', 'only the copies on the hosts (no remote listing)')
    .addHelpText(
      'after',
      `
STATUS: ok (its sha256 manifest verified when it was last checked) or unverified, for copies on
the host; ok (pushed whole) or incomplete, for copies on the remote.
Examples:
  wpha backup list -i prod
  wpha backup list -i prod --host db1 --json`,
    )
    .action(async (flags: BackupFlags & { local?: boolean }) => {
      process.exitCode = await backupList(flags);
    });
}
