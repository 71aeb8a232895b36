/**
 * What a Galera data node says about itself: the key=value lines of `galera-node report` (the
 * galera role's script on the node) parsed into a typed state. Pure: tested from reports
 * recorded on real nodes (fixtures/galera/).
 */

/** The script's path on every data node (installed by the galera role). */
export const GALERA_NODE_SCRIPT = '/usr/local/lib/wpha/galera-node';

export interface GaleraNodeReport {
  /** systemd ActiveState of mariadb.service: active, inactive, failed, activating... */
  active: string;
  /** SHOW GLOBAL STATUS values (wsrep_*), present when the server answered. */
  status?: Record<string, string>;
  grastate?: { uuid: string; seqno: number; safeToBootstrap: boolean };
  /** Position InnoDB holds (galera_recovery), asked only of a stopped node without one in grastate.dat. */
  recovered?: { uuid: string; seqno: number };
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function parseGaleraReport(text: string): GaleraNodeReport {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_.]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!);
  }
  const report: GaleraNodeReport = { active: kv.get('active') ?? 'unknown' };
  const status: Record<string, string> = {};
  for (const [k, v] of kv) if (k.startsWith('status.')) status[k.slice('status.'.length)] = v;
  if (Object.keys(status).length) report.status = status;
  if (kv.has('grastate.uuid')) {
    report.grastate = { uuid: kv.get('grastate.uuid')!, seqno: Number(kv.get('grastate.seqno') ?? -1), safeToBootstrap: kv.get('grastate.safe_to_bootstrap') === '1' };
  }
  const rec = /^([0-9a-f-]{36}):(-?\d+)$/.exec(kv.get('recovered') ?? '');
  if (rec) report.recovered = { uuid: rec[1]!, seqno: Number(rec[2]) };
  return report;
}

export type NodeCondition = 'primary' | 'non-primary' | 'starting' | 'stopped' | 'standalone' | 'unknown';

/** What the node is doing, from its report. */
export function nodeCondition(r: GaleraNodeReport): NodeCondition {
  if (r.active === 'activating' || r.active === 'reloading' || r.active === 'deactivating') return 'starting';
  if (r.active !== 'active') return 'stopped';
  const s = r.status;
  if (!s) return 'unknown';
  if (s.wsrep_cluster_status === 'Primary') return 'primary';
  if (s.wsrep_connected === 'OFF' && s.wsrep_cluster_status === 'Disconnected' && s.wsrep_cluster_size === '0' && !s.wsrep_cluster_state_uuid) return 'standalone';
  return 'non-primary';
}

/**
 * The node's last committed position: from the running server, else grastate.dat (written at a
 * clean stop), else what galera_recovery read from InnoDB. undefined: the node holds none (it
 * never joined a cluster, or its datadir is empty).
 */
export function nodePosition(r: GaleraNodeReport): { uuid: string; seqno: number; source: 'server' | 'grastate.dat' | 'wsrep-recover' } | undefined {
  const s = r.status;
  if (s?.wsrep_cluster_state_uuid && s.wsrep_cluster_state_uuid !== ZERO_UUID && s.wsrep_last_committed !== undefined) {
    return { uuid: s.wsrep_cluster_state_uuid, seqno: Number(s.wsrep_last_committed), source: 'server' };
  }
  const g = r.grastate;
  if (g && g.uuid !== ZERO_UUID && g.seqno >= 0) return { uuid: g.uuid, seqno: g.seqno, source: 'grastate.dat' };
  const rec = r.recovered;
  if (rec && rec.uuid !== ZERO_UUID && rec.seqno >= 0) return { uuid: rec.uuid, seqno: rec.seqno, source: 'wsrep-recover' };
  return undefined;
}
