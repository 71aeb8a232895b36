/** `wpha db status`: what each server of a replication group says, and the group's health as an exit code. */
import type { Command } from 'commander';
import { EXIT_FOR, formatStatus, groupStatus } from '../../../db/status.js';
import { positiveInt } from '../../options.js';
import { addDbOptions, openDb, type DbFlags } from './context.js';

interface StatusFlags extends DbFlags {
  json?: boolean;
  maxLag: number;
}

export async function status(flags: StatusFlags): Promise<number> {
  const ctx = await openDb(flags);
  try {
    const [answers, proxies] = await Promise.all([ctx.session.views(ctx.topo), ctx.session.proxies(ctx.topo)]);
    const s = groupStatus(ctx.topo, answers, proxies, flags.maxLag);
    ctx.say(flags.json ? JSON.stringify(s, null, 2) : formatStatus(s));
    return EXIT_FOR[s.health];
  } finally {
    ctx.session.close();
  }
}

export function register(db: Command): void {
  addDbOptions(db.command('status'))
    .description('Show each server of a replication group: role, read_only, GTID position, lag, semi-sync; exit 0 healthy, 2 degraded, 1 error')
    .option('--json', 'machine-readable output')
    .option('--max-lag <seconds>', 'a replica further behind than this makes the group degraded', (v) => positiveInt(v, '--max-lag'), 30)
    .addHelpText('after', `
Healthy (exit 0): one writable primary with semi-sync on, every replica replicating from it within
--max-lag, every SQL proxy sending to it. Degraded (exit 2): writes work but something is missing.
Error (exit 1): no writable primary, or two; or the inventory cannot be read.
Examples:
  wpha db status -i prod
  wpha db status -i prod --json | jq .rows
  wpha db status -i lab || echo "database tier needs attention"   # cron, Jenkins`)
    .action(async (flags: StatusFlags) => {
      process.exitCode = await status(flags);
    });
}
