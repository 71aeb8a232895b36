/**
 * What one MariaDB server says about itself, read with ONE client call: its variables and status
 * (read_only, GTID positions, semi-sync) and `SHOW SLAVE STATUS`. The same query serves the
 * mariadb_replication operation (the host asks itself through the socket as root and its peers
 * over TLS as the replication user) and `wpha db` (each host asks itself over SSH), so the
 * parser below is the one place that reads a server's state. Tested from outputs recorded on
 * lab hosts (src/db/fixtures/).
 */
import { parseGtidPos, type GtidPos } from './gtid.js';

/** Global variables and status values, by the name the parser gives them. */
const VARIABLES: Record<string, string> = {
  server_id: '@@server_id',
  read_only: '@@read_only',
  gtid_binlog_pos: '@@gtid_binlog_pos',
  gtid_current_pos: '@@gtid_current_pos',
  gtid_slave_pos: '@@gtid_slave_pos',
  gtid_strict_mode: '@@gtid_strict_mode',
  log_bin: '@@log_bin',
  log_slave_updates: '@@log_slave_updates',
  version: '@@version',
  semi_sync_master_enabled: '@@rpl_semi_sync_master_enabled',
  semi_sync_slave_enabled: '@@rpl_semi_sync_slave_enabled',
  semi_sync_master_timeout: '@@rpl_semi_sync_master_timeout',
  semi_sync_wait_point: '@@rpl_semi_sync_master_wait_point',
};

/** Status values (information_schema.GLOBAL_STATUS, readable by any user). NULL when absent. */
export const STATUS_FIELDS: string[] = [
  'UPTIME',
  'SLAVES_CONNECTED',
  'RPL_SEMI_SYNC_MASTER_STATUS',
  'RPL_SEMI_SYNC_MASTER_CLIENTS',
  'RPL_SEMI_SYNC_MASTER_NO_TX',
  'RPL_SEMI_SYNC_MASTER_YES_TX',
  'RPL_SEMI_SYNC_SLAVE_STATUS',
];

/** The query (vertical output: `name: value` lines, a `*** 1. row ***` line per result). */
export function viewSql(extra: Record<string, string> = {}): string {
  const cols = [
    ...Object.entries(VARIABLES).map(([k, v]) => `${v} AS ${k}`),
    ...STATUS_FIELDS.map((s) => `(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='${s}') AS ${s.toLowerCase()}`),
    ...Object.entries(extra).map(([k, v]) => `(${v}) AS ${k}`),
  ];
  return `SELECT ${cols.join(', ')}; SHOW SLAVE STATUS`;
}

export interface ReplicaStatus {
  masterHost: string;
  masterUser: string;
  /** `Yes`, `No` or `Connecting`. */
  ioRunning: string;
  sqlRunning: string;
  /** Null while the SQL thread does not run. */
  secondsBehind: number | null;
  /** Received from the primary (relay log), and applied (`@@gtid_slave_pos` of the view). */
  gtidIoPos: GtidPos;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
  usingGtid: string;
  sslVerify: boolean;
}

export interface NodeView {
  serverId: number;
  readOnly: boolean;
  gtidBinlogPos: GtidPos;
  gtidCurrentPos: GtidPos;
  gtidSlavePos: GtidPos;
  version: string;
  semiSync: {
    masterEnabled: boolean;
    slaveEnabled: boolean;
    /** ON while the primary waits for acknowledgements (OFF: not enabled, or fell back to async). */
    masterStatus: boolean;
    masterClients: number;
    slaveStatus: boolean;
    masterTimeoutMs: number;
    waitPoint: string;
  };
  uptimeSeconds: number;
  /** Absent when the server replicates from nobody (a primary, or a server never set up). */
  replica?: ReplicaStatus;
  /** Every `name: value` the query printed (extra fields, Galera's...). */
  raw: Record<string, string>;
}

const on = (v: string | undefined) => v === '1' || v === 'ON' || v === 'Yes';
const num = (v: string | undefined) => (v === undefined || v === 'NULL' || v === '' ? 0 : Number(v));

/** Parses the vertical output of viewSql(); throws when it is not one (say why). */
export function parseView(text: string): NodeView {
  const rows: Record<string, string>[] = [];
  for (const line of text.split('\n')) {
    if (/^\*+ \d+\. row \*+$/.test(line.trim())) {
      rows.push({});
      continue;
    }
    const m = /^\s*([A-Za-z0-9_]+): ?(.*)$/.exec(line);
    if (m && rows.length) rows[rows.length - 1]![m[1]!] = m[2]!;
  }
  const v = rows[0];
  if (!v || v.read_only === undefined) throw new Error(`The server's answer has no read_only: ${JSON.stringify(text.slice(0, 200))}`);
  const s = rows.find((r) => r.Slave_IO_Running !== undefined);
  const raw = Object.assign({}, ...rows) as Record<string, string>;
  const view: NodeView = {
    serverId: num(v.server_id),
    readOnly: on(v.read_only),
    gtidBinlogPos: parseGtidPos(v.gtid_binlog_pos ?? ''),
    gtidCurrentPos: parseGtidPos(v.gtid_current_pos ?? ''),
    gtidSlavePos: parseGtidPos(v.gtid_slave_pos ?? ''),
    version: v.version ?? '',
    semiSync: {
      masterEnabled: on(v.semi_sync_master_enabled),
      slaveEnabled: on(v.semi_sync_slave_enabled),
      masterStatus: on(v.rpl_semi_sync_master_status),
      masterClients: num(v.rpl_semi_sync_master_clients),
      slaveStatus: on(v.rpl_semi_sync_slave_status),
      masterTimeoutMs: num(v.semi_sync_master_timeout),
      waitPoint: v.semi_sync_wait_point ?? '',
    },
    uptimeSeconds: num(v.uptime),
    raw,
  };
  if (s?.Master_Host) {
    view.replica = {
      masterHost: s.Master_Host,
      masterUser: s.Master_User ?? '',
      ioRunning: s.Slave_IO_Running ?? '',
      sqlRunning: s.Slave_SQL_Running ?? '',
      secondsBehind: s.Seconds_Behind_Master === undefined || s.Seconds_Behind_Master === 'NULL' ? null : Number(s.Seconds_Behind_Master),
      gtidIoPos: parseGtidPos(s.Gtid_IO_Pos ?? ''),
      lastIoErrno: num(s.Last_IO_Errno),
      lastIoError: s.Last_IO_Error ?? '',
      lastSqlErrno: num(s.Last_SQL_Errno),
      lastSqlError: s.Last_SQL_Error ?? '',
      usingGtid: s.Using_Gtid ?? '',
      sslVerify: on(s.Master_SSL_Verify_Server_Cert),
    };
  }
  return view;
}

/** A node's answer: its view, or why there is none (the client's last error line). */
export type NodeAnswer = { ok: true; view: NodeView } | { ok: false; error: string };

/**
 * sh function printing one node's answer between markers: `wpha_db_view NAME SQL [client args]`
 * (no args: the local server through its socket, as root).
 */
export const VIEW_FN = `wpha_db_view() {
  _wdn=$1 _wdq=$2; shift 2
  echo "@@wpha-db-node $_wdn"
  mariadb "$@" --connect-timeout=3 -E -e "$_wdq" 2>&1
  echo "@@wpha-db-end $?"
}`;

/** The answers printed by wpha_db_view calls, by node name. */
export function parseViews(stdout: string): Map<string, NodeAnswer> {
  const out = new Map<string, NodeAnswer>();
  const re = /^@@wpha-db-node (\S+)\n([\s\S]*?)^@@wpha-db-end (\d+)$/gm;
  for (const m of stdout.matchAll(re)) {
    const [, name, body, rc] = m as unknown as [string, string, string, string];
    if (rc !== '0') {
      const last = body.trim().split('\n').filter(Boolean).pop() ?? `the client exited with ${rc}`;
      out.set(name, { ok: false, error: last });
      continue;
    }
    try {
      out.set(name, { ok: true, view: parseView(body) });
    } catch (e) {
      out.set(name, { ok: false, error: (e as Error).message });
    }
  }
  return out;
}
