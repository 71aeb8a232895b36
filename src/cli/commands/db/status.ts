/**
 * `wpha db status`: the health of the database tier as an exit code (0 healthy, 2 degraded, 1
 * error or down), for cron and CI. One section per replication group (what each server says:
 * role, read_only, GTID position, lag, semi-sync; where the SQL proxies send) and per Galera
 * cluster (galera-section.ts); the exit code is the worst of them.
 */
import type { Command } from 'commander';
import { secretsRedactor } from '../../../engine/load.js';
import { UserError } from '../../../errors.js';
import { EXIT_FOR, formatStatus, groupStatus, type GroupStatus } from '../../../db/status.js';
import { positiveInt } from '../../options.js';
import { addDbOptions, loadDbInventory, openGroup, topologiesOf, type DbFlags } from './context.js';
import { formatGaleraSection, galeraStatusSection, HEALTH_EXIT, type GaleraSection } from './galera-section.js';

export { formatGaleraSection, galeraStatusSection, HEALTH_EXIT, type GaleraSection } from './galera-section.js';

interface StatusFlags extends DbFlags {
  json?: boolean;
  maxLag: number;
}

export async function status(flags: StatusFlags): Promise<number> {
  const inv = await loadDbInventory(flags);
  const topos = topologiesOf(inv).filter((t) => !flags.group || t.group === flags.group);
  const hasGalera = [...inv.hosts.values()].some((h) => h.roles.includes('galera'));
  const replication: GroupStatus[] = [];
  for (const topo of topos) {
    const ctx = await openGroup(inv, topo, flags);
    try {
      const [answers, proxies] = await Promise.all([ctx.session.views(topo), ctx.session.proxies(topo)]);
      replication.push(groupStatus(topo, answers, proxies, flags.maxLag));
    } finally {
      ctx.session.close();
    }
  }
  const galera: GaleraSection[] = [];
  if (hasGalera && !(flags.group && topos.length)) galera.push(await galeraStatusSection(inv, { acceptNewHostKeys: Boolean(flags.acceptNewHostKeys), ...(flags.group ? { group: flags.group } : {}) }));
  if (!replication.length && !galera.length)
    throw new UserError(flags.group ? `No replication group or Galera cluster "${flags.group}" in this inventory` : 'This inventory has no replication group and no Galera cluster');
  const redactor = secretsRedactor(inv);
  const text = flags.json
    ? `${JSON.stringify(galera.length && !replication.length ? galera[0] : { replication, galera }, null, 2)}\n`
    : [...replication.map((s) => `${formatStatus(s)}\n`), ...galera.map(formatGaleraSection)].join('\n');
  process.stdout.write(redactor.redact(text));
  // The worst section decides: an error or a cluster down (1) over degraded (2) over healthy (0).
  const codes = [...replication.map((s) => EXIT_FOR[s.health]), ...galera.map((s) => HEALTH_EXIT[s.health])];
  return codes.includes(1) ? 1 : codes.includes(2) ? 2 : 0;
}

export function registerStatus(db: Command): void {
  addDbOptions(db.command('status'))
    .description('Health of the database tier: per server its role, read_only, GTID position, lag and semi-sync (Galera: state, cluster size, readiness, flow control)')
    .option('--json', 'machine-readable output ({replication: [...], galera: [...]}; a Galera-only inventory gives its section alone)')
    .option('--max-lag <seconds>', 'a replica further behind than this makes its group degraded', (v) => positiveInt(v, '--max-lag'), 30)
    .addHelpText(
      'after',
      `
Exit code: 0 healthy; 2 degraded (writes work with less margin: a node down, a replica stopped or
late, semi-sync off, a proxy elsewhere; Galera: a node down or joining, flow control above 20%);
1 error (no writable primary, or two; Galera: no node takes writes) or the inventory cannot be read.
Examples:
  wpha db status -i prod
  wpha db status -i prod --json | jq '.replication[0].rows'
  wpha db status -i lab || echo "database tier needs attention"   # cron, Jenkins`,
    )
    .action(async (flags: StatusFlags) => {
      process.exitCode = await status(flags);
    });
}
