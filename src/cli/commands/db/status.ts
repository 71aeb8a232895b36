/**
 * `wpha db status` for Galera clusters: each data node's state, cluster size, readiness, flow
 * control and position, and the cluster's health as the exit code (0 healthy, 2 degraded, 1
 * down or unreachable), for cron and CI. The Galera part lives in galeraStatusSection() so that
 * a status command covering other topologies can print it too.
 */
import type { Command } from 'commander';
import { loadForRun, secretsRedactor } from '../../../engine/load.js';
import { ExitCode } from '../../../errors.js';
import type { Inventory } from '../../../model.js';
import { galeraTopology } from '../../../db/galera-topology.js';
import { GALERA_NODE_SCRIPT, parseGaleraReport } from '../../../db/galera-report.js';
import { galeraHealth, galeraNodeStatus, type GaleraNodeStatus, type Health } from '../../../db/galera-status.js';
import { shellOnHosts, type ShellOptions } from '../../../db/remote-shell.js';
import { addHostOptions, type HostCommandOptions } from '../../options.js';

export interface GaleraSection {
  cluster: string;
  group: string;
  health: Health;
  reasons: string[];
  nodes: GaleraNodeStatus[];
}

export async function galeraStatusSection(inv: Inventory, opts: ShellOptions & { group?: string } = {}): Promise<GaleraSection> {
  const topo = galeraTopology(inv, opts.group);
  const reports = await shellOnHosts(inv, topo.nodes, `${GALERA_NODE_SCRIPT} report`, opts);
  const nodes = topo.nodes.map((host) => {
    const r = reports.get(host);
    if (!r || 'error' in r) return galeraNodeStatus(host, undefined, r?.error);
    if (r.rc !== 0) return galeraNodeStatus(host, undefined, `report failed (exit ${r.rc})`);
    return galeraNodeStatus(host, parseGaleraReport(r.stdout));
  });
  const { health, reasons } = galeraHealth(nodes, topo.nodes.length + topo.arbitrators.length);
  return { cluster: topo.clusterName, group: topo.group, health, reasons, nodes };
}

export function formatGaleraSection(s: GaleraSection): string {
  const rows = [['HOST', 'STATE', 'CLUSTER', 'SIZE', 'READY', 'FLOW-CONTROL', 'RECV-QUEUE', 'SEQNO']];
  for (const n of s.nodes) {
    const fc = n.flowControlPaused === undefined ? '-' : `${(n.flowControlPaused * 100).toFixed(1)}%`;
    rows.push([n.host, n.state, n.clusterStatus ?? '-', n.clusterSize?.toString() ?? '-', n.ready === undefined ? '-' : n.ready ? 'yes' : 'no', fc, n.recvQueue?.toString() ?? '-', n.lastCommitted?.toString() ?? '-']);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) => `  ${r.map((v, c) => v.padEnd(w[c]!)).join('  ').trimEnd()}`).join('\n');
  return `Galera cluster "${s.cluster}" (group ${s.group}): ${s.health}\n${table}${s.reasons.length ? `\n${s.reasons.map((r) => `  - ${r}`).join('\n')}` : ''}\n`;
}

export const HEALTH_EXIT: Record<Health, number> = { healthy: ExitCode.ok, degraded: 2, down: ExitCode.failed };

export function registerStatus(db: Command): void {
  addHostOptions(db.command('status'))
    .description('Health of the database tier: per Galera node its state, cluster size, readiness, flow control and position')
    .option('-g, --group <name>', 'the Galera group, when the inventory has several clusters')
    .option('--json', 'one JSON document instead of the table')
    .addHelpText('after', `
Exit code: 0 healthy, 2 degraded (the cluster takes writes with less margin: a node down or
joining, a smaller cluster, flow control above 20%), 1 down (no node takes writes) or an error.

Examples:
  wpha db status -i prod
  wpha db status -i prod --json | jq .health`)
    .action(async (flags: HostCommandOptions & { group?: string; json?: boolean }) => {
      const inv = await loadForRun({ inventory: flags.inventory, extraVars: flags.extraVars });
      const redactor = secretsRedactor(inv);
      const section = await galeraStatusSection(inv, { acceptNewHostKeys: Boolean(flags.acceptNewHostKeys), ...(flags.group ? { group: flags.group } : {}) });
      process.stdout.write(redactor.redact(flags.json ? `${JSON.stringify(section, null, 2)}\n` : formatGaleraSection(section)));
      process.exitCode = HEALTH_EXIT[section.health];
    });
}
