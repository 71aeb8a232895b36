/**
 * `wpha db`: runbooks for the database tier, one subcommand per file in this folder. Each prints
 * every step before it runs it and has --dry-run (print the steps, change nothing).
 */
import type { Command } from 'commander';
import { register as status } from './status.js';
import { register as promote } from './promote.js';
import { register as failover } from './failover.js';

export function register(program: Command): void {
  const db = program
    .command('db')
    .description('Database runbooks: status, planned switch-over, failover (replication groups)')
    .addHelpText('after', `
Examples:
  wpha db status -i prod                          per server: role, GTID, lag, read_only, semi-sync
  wpha db promote -i prod --to db2 --dry-run      the switch-over's steps, nothing changed
  wpha db failover -i prod                        the primary is gone: promote the most advanced replica
See docs/database.md.`);
  for (const sub of [status, promote, failover]) sub(db);
}
