/**
 * The Galera part of `wpha db status`: each data node's state, cluster size, readiness, flow
 * control and position, and the cluster's health (0 healthy, 2 degraded, 1 down or unreachable).
 */
import { ExitCode } from '../../../errors.js';
import type { Inventory } from '../../../model.js';
import { galeraTopology } from './galera-topology.js';
import { GALERA_NODE_SCRIPT, parseGaleraReport } from '../../../db/galera-report.js';
import { galeraHealth, galeraNodeStatus, type GaleraNodeStatus, type Health } from '../../../db/galera-status.js';
import { shellOnHosts, type ShellOptions } from './remote-shell.js';

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
    rows.push([
      n.host,
      n.state,
      n.clusterStatus ?? '-',
      n.clusterSize?.toString() ?? '-',
      n.ready === undefined ? '-' : n.ready ? 'yes' : 'no',
      fc,
      n.recvQueue?.toString() ?? '-',
      n.lastCommitted?.toString() ?? '-',
    ]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows
    .map(
      (r) =>
        `  ${r
          .map((v, c) => v.padEnd(w[c]!))
          .join('  ')
          .trimEnd()}`,
    )
    .join('\n');
  return `Galera cluster "${s.cluster}" (group ${s.group}): ${s.health}\n${table}${s.reasons.length ? `\n${s.reasons.map((r) => `  - ${r}`).join('\n')}` : ''}\n`;
}

export const HEALTH_EXIT: Record<Health, number> = { healthy: ExitCode.ok, degraded: 2, down: ExitCode.failed };
