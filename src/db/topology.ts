/**
 * The replication groups of an inventory, as the runbooks need them: members in inventory order
 * with their regions, the starting primary, how replicas log in (user, password, TLS), and the
 * SQL proxies in front of each group. Built from hosts whose variables are already resolved
 * (role defaults, then the inventory's values).
 */
import type { ReplicationLogin } from './replication-sql.js';

export interface ResolvedHost {
  name: string;
  address: string;
  roles: readonly string[];
  vars: Readonly<Record<string, unknown>>;
}

export interface DbMember {
  name: string;
  address: string;
  /** `mariadb_region`; empty when the group has no regions. */
  region: string;
}

export interface SqlProxy {
  name: string;
  address: string;
  /** HAProxy runtime socket of the proxy (sql_proxy_socket). */
  socket: string;
}

export interface ReplicationTopology {
  group: string;
  members: DbMember[];
  /** The host that starts as the primary of a new group. */
  designated: string;
  login: ReplicationLogin;
  /** rpl_semi_sync_master_timeout the group is configured with (0 in the inventory: never fall back). */
  semiSyncTimeoutMs: number;
  proxies: SqlProxy[];
}

/** rpl_semi_sync_master_timeout written for "never fall back" (a year). */
export const NO_FALLBACK_MS = 31_536_000_000;
export const TLS_DIR = '/etc/mysql/wpha-tls';

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
const num = (v: unknown, d = 0): number => (typeof v === 'number' ? v : d);

export function replicationTopologies(hosts: readonly ResolvedHost[], groupHosts: (group: string) => readonly string[]): ReplicationTopology[] {
  const byGroup = new Map<string, ResolvedHost[]>();
  for (const h of hosts) {
    const g = h.roles.includes('mariadb') ? str(h.vars.mariadb_replication_group) : '';
    if (g && !byGroup.has(g)) byGroup.set(g, []);
  }
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const out: ReplicationTopology[] = [];
  for (const group of byGroup.keys()) {
    const members = groupHosts(group)
      .map((n) => byName.get(n))
      .filter((h): h is ResolvedHost => h !== undefined);
    const first = members[0];
    if (!first) continue;
    const v = first.vars;
    const timeout = num(v.mariadb_semi_sync_timeout_ms);
    out.push({
      group,
      members: members.map((h) => ({ name: h.name, address: h.address, region: str(h.vars.mariadb_region) })),
      designated: str(v.mariadb_replication_primary) || first.name,
      login: { user: str(v.mariadb_replication_user, 'wpha_repl'), password: str(v.mariadb_replication_password), tlsDir: str(v.mariadb_tls_ca_cert) ? TLS_DIR : '', connectRetry: 2 },
      semiSyncTimeoutMs: timeout === 0 ? NO_FALLBACK_MS : timeout,
      proxies: hosts
        .filter((h) => h.roles.includes('sql_proxy') && str(h.vars.sql_proxy_backend_group, 'db') === group)
        .map((h) => ({ name: h.name, address: h.address, socket: str(h.vars.sql_proxy_socket, '/run/wpha-sql-proxy.sock') })),
    });
  }
  return out;
}

/** The one group the command is about: named, or the only one. */
export function pickGroup(topos: readonly ReplicationTopology[], name: string | undefined): ReplicationTopology {
  if (name) {
    const t = topos.find((x) => x.group === name);
    if (!t) throw new Error(`No replication group "${name}" in this inventory (groups: ${topos.map((x) => `"${x.group}"`).join(', ') || 'none'})`);
    return t;
  }
  if (topos.length === 1) return topos[0]!;
  if (!topos.length) throw new Error('This inventory has no replication group (no host of the mariadb role sets mariadb_replication_group)');
  throw new Error(`This inventory has ${topos.length} replication groups: name one with --group (${topos.map((x) => `"${x.group}"`).join(', ')})`);
}
