/**
 * `wpha db ...`: runbooks of the database tier. Each subcommand lives in its own file of this
 * folder and registers itself on the `db` command.
 */
import type { Command } from 'commander';
import { registerRecover } from './recover.js';
import { registerStatus } from './status.js';

export function register(program: Command): void {
  const db = program
    .command('db')
    .description('Database tier runbooks: the health of a Galera cluster, and its recovery when it lost its primary component')
    .addHelpText('after', `
Examples:
  wpha db status -i prod                per node: state, cluster size, ready, flow control (exit 0/2/1)
  wpha db recover -i prod --dry-run     the nodes' positions and the recovery plan, nothing changed
  wpha db recover -i prod               bootstrap from the most advanced node, start the others`);
  registerStatus(db);
  registerRecover(db);
}
