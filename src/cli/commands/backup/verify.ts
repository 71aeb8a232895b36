/** `wpha backup verify`: check backups against their sha256 manifest, on the host or the remote. */
import type { Command } from 'commander';
import { ExitCode } from '../../../errors.js';
import { parseSetLines, pickSet } from '../../../backup/sets.js';
import { quote } from '../../../shell/quote.js';
import { backupHosts, backupOptions, loadBackupInventory, printLines, runOnHost, type BackupFlags } from './host-exec.js';

interface VerifyFlags extends BackupFlags {
  at?: string;
  remote?: boolean;
}

export async function backupVerify(flags: VerifyFlags): Promise<number> {
  const { inv, redactor } = await loadBackupInventory(flags);
  let failed = false;
  for (const host of backupHosts(inv, flags.host)) {
    let ids = '';
    if (flags.at !== undefined) {
      const listed = await runOnHost(inv, host, `wpha-backup list --json${flags.remote ? ' --remote' : ''}`, flags);
      ids = quote(pickSet(parseSetLines(listed.stdout), host, flags.at).id);
    }
    const r = await runOnHost(inv, host, `wpha-backup verify${flags.remote ? ' --remote' : ''} ${ids}`, flags);
    printLines(redactor, host, r.stdout);
    if (r.rc !== 0) {
      failed = true;
      printLines(redactor, host, r.stderr, process.stderr);
    }
  }
  return failed ? ExitCode.failed : ExitCode.ok;
}

export function registerVerify(backup: Command): void {
  backupOptions(backup.command('verify'))
    .description('Check backups against their sha256 manifest (every backup, or the one at --at)')
    .option('--at <time>', 'only the backup a restore at this time would take (date, date and time in UTC, or backup id)')
    .option('--remote', 'check the copies on the remote: each is downloaded and its manifest checked')
    .addHelpText(
      'after',
      `
Prints "ok ID" or "bad ID" per backup, with the files that fail; exit status 1 when one fails.
A backup that fails is marked so: pruning then never counts it as the newest good one.
Examples:
  wpha backup verify -i prod --host db1
  wpha backup verify -i prod --host db1 --at 2026-12-04T06:00
  wpha backup verify -i prod --remote`,
    )
    .action(async (flags: VerifyFlags) => {
      process.exitCode = await backupVerify(flags);
    });
}
