/**
 * The Galera part of `wpha db status`: per data node its state, cluster size, readiness and flow
 * control, from `galera-node report` (src/db/galera-report.ts), and whether the cluster is
 * healthy, degraded or down. Pure: the command gathers the reports.
 */
import { nodeCondition, nodePosition, type GaleraNodeReport } from './galera-report.js';

export interface GaleraNodeStatus {
  host: string;
  /** wsrep_local_state_comment when the server answers (Synced, Donor/Desynced, Joining...), else the unit's state. */
  state: string;
  clusterStatus?: string;
  clusterSize?: number;
  ready?: boolean;
  /** Share of the time replication was paused by flow control (wsrep_flow_control_paused, 0..1). */
  flowControlPaused?: number;
  /** Write sets received and not yet applied (wsrep_local_recv_queue). */
  recvQueue?: number;
  lastCommitted?: number;
  error?: string;
}

export type Health = 'healthy' | 'degraded' | 'down';

/** Flow control pausing replication more than this share of the time counts as degraded. */
export const FLOW_CONTROL_DEGRADED = 0.2;

export function galeraNodeStatus(host: string, report: GaleraNodeReport | undefined, error?: string): GaleraNodeStatus {
  if (!report) return { host, state: 'unreachable', error: error ?? 'no answer' };
  const s = report.status;
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  if (!s || nodeCondition(report) === 'stopped')
    return { host, state: report.active === 'active' ? 'not answering' : `stopped (${report.active})`, ...(nodePosition(report) ? { lastCommitted: nodePosition(report)!.seqno } : {}) };
  return {
    host,
    state: s.wsrep_local_state_comment ?? 'unknown',
    clusterStatus: s.wsrep_cluster_status,
    clusterSize: num(s.wsrep_cluster_size),
    ready: s.wsrep_ready === 'ON',
    flowControlPaused: num(s.wsrep_flow_control_paused),
    recvQueue: num(s.wsrep_local_recv_queue),
    lastCommitted: num(s.wsrep_last_committed),
  };
}

/**
 * healthy: every data node Synced (or donating) in the primary component, ready, the cluster at
 * its full size (data nodes and arbitrators), flow control under the threshold. down: no node
 * takes writes. degraded: anything in between (the cluster works, with less margin).
 */
export function galeraHealth(nodes: readonly GaleraNodeStatus[], expectedSize: number): { health: Health; reasons: string[] } {
  const working = nodes.filter((n) => n.clusterStatus === 'Primary' && n.ready && (n.state === 'Synced' || n.state === 'Donor/Desynced'));
  if (!working.length) return { health: 'down', reasons: ['no node is ready in a primary component (see wpha db recover)'] };
  const reasons: string[] = [];
  for (const n of nodes) if (!working.includes(n)) reasons.push(`${n.host}: ${n.error ?? n.state}${n.clusterStatus && n.clusterStatus !== 'Primary' ? ` (${n.clusterStatus})` : ''}`);
  const size = Math.max(...working.map((n) => n.clusterSize ?? 0));
  if (size < expectedSize) reasons.push(`cluster size ${size} of ${expectedSize}`);
  for (const n of working) if ((n.flowControlPaused ?? 0) > FLOW_CONTROL_DEGRADED) reasons.push(`${n.host}: flow control paused replication ${Math.round(n.flowControlPaused! * 100)}% of the time`);
  return { health: reasons.length ? 'degraded' : 'healthy', reasons };
}
