/** `wpha backup list|run|verify|restore`: each subcommand in its own file. */
import type { Command } from 'commander';
import { registerList } from './list.js';
import { registerRestore } from './restore.js';
import { registerRun } from './run.js';
import { registerVerify } from './verify.js';

export function register(program: Command): void {
  const backup = program
    .command('backup')
    .description('Backups taken by the backup role: list, take one now, verify, restore')
    .addHelpText(
      'after',
      `
Backups are taken on each host with the backup role (a systemd timer runs wpha-backup), kept
there and pushed to its rclone remote. See docs/backup.md.
Examples:
  wpha backup list -i prod
  wpha backup run -i prod --host db1
  wpha backup verify -i prod --remote
  wpha backup restore -i prod --host db1 --at 2026-12-04T06:00 --dry-run`,
    );
  registerList(backup);
  registerRun(backup);
  registerVerify(backup);
  registerRestore(backup);
}
