import { describe, expect, it } from 'vitest';
import { NO_FALLBACK_MS, pickGroup, replicationTopologies, type ResolvedHost } from './topology.js';

const host = (name: string, address: string, roles: string[], vars: Record<string, unknown>): ResolvedHost => ({ name, address, roles, vars });
const db = { mariadb_replication_group: 'db', mariadb_replication_password: 'pw', mariadb_tls_ca_cert: 'PEM', mariadb_semi_sync_timeout_ms: 0 };

describe('replicationTopologies', () => {
  const hosts = [
    host('db1', '10.0.0.1', ['common', 'mariadb', 'sql_proxy'], { ...db, mariadb_region: 'paris' }),
    host('db2', '10.0.0.2', ['common', 'mariadb', 'sql_proxy'], { ...db, mariadb_region: 'paris' }),
    host('dr1', '10.1.0.1', ['common', 'mariadb'], { ...db, mariadb_region: 'dr' }),
    host('web1', '10.0.1.1', ['common', 'wordpress'], {}),
    host('solo', '10.0.0.9', ['mariadb'], { mariadb_replication_group: '' }),
  ];
  const groups: Record<string, string[]> = { db: ['db1', 'db2', 'dr1'] };

  it('finds each group with its members, regions, login and proxies', () => {
    const [t, ...more] = replicationTopologies(hosts, (g) => groups[g] ?? []);
    expect(more).toEqual([]);
    expect(t).toEqual({
      group: 'db',
      members: [
        { name: 'db1', address: '10.0.0.1', region: 'paris' },
        { name: 'db2', address: '10.0.0.2', region: 'paris' },
        { name: 'dr1', address: '10.1.0.1', region: 'dr' },
      ],
      designated: 'db1',
      login: { user: 'wpha_repl', password: 'pw', tlsDir: '/etc/mysql/wpha-tls', connectRetry: 2 },
      semiSyncTimeoutMs: NO_FALLBACK_MS,
      proxies: [
        { name: 'db1', address: '10.0.0.1', socket: '/run/wpha-sql-proxy.sock' },
        { name: 'db2', address: '10.0.0.2', socket: '/run/wpha-sql-proxy.sock' },
      ],
    });
  });

  it('picks the one group, or the named one', () => {
    const topos = replicationTopologies(hosts, (g) => groups[g] ?? []);
    expect(pickGroup(topos, undefined).group).toBe('db');
    expect(() => pickGroup(topos, 'other')).toThrow('No replication group "other" in this inventory (groups: "db")');
    expect(() => pickGroup([], undefined)).toThrow('This inventory has no replication group');
    expect(() => pickGroup([topos[0]!, { ...topos[0]!, group: 'b' }], undefined)).toThrow('name one with --group ("db", "b")');
  });
});
