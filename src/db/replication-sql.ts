/**
 * SQL the replication operation and the runbooks send: built here, from typed values, with every
 * string escaped as a MariaDB literal (the replication password included).
 */
import { formatGtidPos, type GtidPos } from './gtid.js';

/** A single-quoted MariaDB string literal (backslash escapes, the server's default mode). */
export function sqlString(s: string): string {
  if (s.includes('\0')) throw new Error('Cannot put a NUL byte in an SQL string');
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

export interface ReplicationLogin {
  user: string;
  password: string;
  /** Folder of ca.pem, node.pem, node.key; empty: no TLS (refused by the inventory checks for groups). */
  tlsDir: string;
  /** Seconds between reconnection attempts of a replica. */
  connectRetry: number;
}

/** `CHANGE MASTER TO` options after MASTER_HOST (the host is added by the caller or a script). */
export function masterOptions(login: ReplicationLogin): string {
  const opts = ['MASTER_PORT=3306', `MASTER_USER=${sqlString(login.user)}`, `MASTER_PASSWORD=${sqlString(login.password)}`, 'MASTER_USE_GTID=slave_pos', `MASTER_CONNECT_RETRY=${login.connectRetry}`];
  if (login.tlsDir) {
    opts.push(
      'MASTER_SSL=1',
      `MASTER_SSL_CA=${sqlString(`${login.tlsDir}/ca.pem`)}`,
      `MASTER_SSL_CERT=${sqlString(`${login.tlsDir}/node.pem`)}`,
      `MASTER_SSL_KEY=${sqlString(`${login.tlsDir}/node.key`)}`,
      'MASTER_SSL_VERIFY_SERVER_CERT=1',
    );
  }
  return opts.join(', ');
}

/**
 * Point a server at a primary: stop what runs, start from every transaction it holds, so it asks
 * only for what it lacks (RESET SLAVE ALL never clears gtid_slave_pos: feasibility P4). The
 * position is read by the server itself once its threads stopped, not taken from an earlier
 * look: a replica may still have applied more in between (through its old primary, back and now
 * a replica of the new one), and asking again for what it holds breaks strict mode.
 * @@gtid_current_pos is, per domain, the binary log's position when this server wrote the last
 * transaction itself (a demoted primary), else what it applied as a replica. Never a semi-sync
 * master (a replica that waits for acks stalls: P3).
 */
export function repointSql(host: string, login: ReplicationLogin): string {
  return [
    'STOP SLAVE;',
    'SET GLOBAL rpl_semi_sync_master_enabled = 0;',
    'SET GLOBAL read_only = 1;',
    'SET GLOBAL gtid_slave_pos = @@gtid_current_pos;',
    `CHANGE MASTER TO MASTER_HOST=${sqlString(host)}, ${masterOptions(login)};`,
    'START SLAVE;',
  ].join('\n');
}

/** The replication user on a primary (created once; its password follows the users SQL). */
export function replicationUserSql(user: string, password: string, clients: readonly string[], requireSsl: boolean): string {
  return clients
    .flatMap((c) => [
      `CREATE USER IF NOT EXISTS ${sqlString(user)}@${sqlString(c)} IDENTIFIED BY ${sqlString(password)}${requireSsl ? ' REQUIRE SSL' : ''};`,
      // SLAVE MONITOR: the peers' probes read SHOW SLAVE STATUS with it.
      `GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO ${sqlString(user)}@${sqlString(c)};`,
    ])
    .join('\n');
}

const SQL_END = 'WPHA_SQL_END';

/**
 * Shell text running `sql` as root through the local socket, fed on stdin in a quoted
 * here-document (nothing in it is expanded; a password in it never reaches a command line).
 */
export function sqlHeredoc(sql: string, flags = '--batch'): string {
  if (sql.split('\n').includes(SQL_END)) throw new Error('SQL text holds the here-document end marker');
  return `mariadb ${flags} <<'${SQL_END}'\n${sql}\n${SQL_END}`;
}

/** Fence a primary: no new write (the SQL proxy's check then fails and cuts its sessions). */
export const FENCE_SQL = 'SET GLOBAL read_only = 1;';

/** Wait until a server has applied `pos`; prints 0 when it did, -1 after `seconds`. */
export function gtidWaitSql(pos: GtidPos, seconds: number): string {
  return `SELECT MASTER_GTID_WAIT(${sqlString(formatGtidPos(pos))}, ${seconds});`;
}

/**
 * Make a replica the primary: replicate from nobody (RESET SLAVE ALL forgets the old primary),
 * semi-sync master on when replicas will follow (turned on before writes are: no write is
 * acknowledged unreplicated), then writes.
 */
export function promoteSql(semiSync: boolean): string {
  return ['STOP SLAVE;', 'RESET SLAVE ALL;', `SET GLOBAL rpl_semi_sync_master_enabled = ${semiSync ? 1 : 0};`, 'SET GLOBAL read_only = 0;'].join('\n');
}
