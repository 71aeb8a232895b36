/** `wpha backup run`: take a backup now, exactly as the timer does. */
import type { Command } from 'commander';
import { ExitCode } from '../../../errors.js';
import { backupHosts, backupOptions, loadBackupInventory, printLines, runOnHost, type BackupFlags } from './host-exec.js';

// Through the timer's own service when it exists (same environment, same journal, and a run the
// timer started meanwhile is waited for); else the command itself.
const RUN = `if systemctl cat wpha-backup.service >/dev/null 2>&1; then
  rc=0; systemctl start wpha-backup.service || rc=$?
  [ $rc = 0 ] || journalctl -u wpha-backup.service -n 15 --no-pager -o cat >&2 || true
else
  rc=0; /usr/local/sbin/wpha-backup run >/dev/null || rc=$?
fi
wpha-backup status
exit $rc`;

export async function backupRun(flags: BackupFlags): Promise<number> {
  const { inv, redactor } = await loadBackupInventory(flags);
  let failed = false;
  for (const host of backupHosts(inv, flags.host)) {
    const r = await runOnHost(inv, host, RUN, flags);
    const status = Object.fromEntries(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]),
    );
    if (r.rc === 0 && status.result === 'ok') printLines(redactor, host, `backup ${status.id} done (${status.message})`);
    else {
      failed = true;
      // The status file says why when the run got far enough to write it; else the exit status does.
      printLines(redactor, host, `backup failed: ${status.result === 'failed' && status.message ? status.message : `exit ${r.rc}`}`);
      printLines(redactor, host, r.stderr, process.stderr);
    }
  }
  return failed ? ExitCode.failed : ExitCode.ok;
}

export function registerRun(backup: Command): void {
  backupOptions(backup.command('run'))
    .description('Take a backup now on each backup host (as the timer does: verify, push, prune)')
    .addHelpText(
      'after',
      `
Examples:
  wpha backup run -i prod
  wpha backup run -i prod --host db1`,
    )
    .action(async (flags: BackupFlags) => {
      process.exitCode = await backupRun(flags);
    });
}
