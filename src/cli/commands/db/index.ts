/**
 * `wpha db ...`: runbooks of the database tier. Each subcommand lives in its own file of this
 * folder and registers itself on the `db` command; each prints every step before it runs it and
 * has --dry-run (print the steps, change nothing).
 */
import type { Command } from 'commander';
import { registerFailover } from './failover.js';
import { registerPromote } from './promote.js';
import { registerRecover } from './recover.js';
import { registerStatus } from './status.js';

export function register(program: Command): void {
  const db = program
    .command('db')
    .description('Database tier runbooks: health of replication groups and Galera clusters, switch-over, failover, Galera recovery')
    .addHelpText(
      'after',
      `
Examples:
  wpha db status -i prod                          per node: role, GTID, lag, read_only, semi-sync (Galera: state, size...); exit 0/2/1
  wpha db promote -i prod --to db2 --dry-run      the switch-over's steps, nothing changed
  wpha db failover -i prod                        the primary is gone: promote the most advanced replica
  wpha db recover -i prod --dry-run               Galera: the nodes' positions and the recovery plan
See docs/database.md and docs/galera.md.`,
    );
  registerStatus(db);
  registerPromote(db);
  registerFailover(db);
  registerRecover(db);
}
