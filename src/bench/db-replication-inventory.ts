/**
 * The inventory `npm run bench:db` applies to its three fresh lab hosts: a replication group
 * (mariadb), the SQL proxy and its VIP on the first two (sql_proxy, keepalived), one bench
 * database and user (the acknowledged-rows writer runs on the third host, through the VIP). The
 * lab inventory's own replication settings (CA, passwords: lab-only values) are reused.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../paths.js';

export const BENCH_DB = { name: 'wpha_bench', user: 'wpha_bench', password: 'bench-only-not-secret' };

export interface BenchDbHosts {
  names: [string, string, string];
  addresses: [string, string, string];
  vip: string;
  ssh: { key: string; knownHosts: string };
}

export function benchDbInventory(h: BenchDbHosts, root = projectRoot()): Record<string, unknown> {
  const ha = parse(readFileSync(path.join(root, 'inventories/lab/group_vars/db_ha.yaml'), 'utf8')) as Record<string, unknown>;
  const replication = Object.fromEntries(Object.entries(ha).filter(([k]) => k.startsWith('mariadb_')));
  const [a1, a2] = h.addresses;
  return {
    defaults: { user: 'root', ssh: { key: h.ssh.key, known_hosts: h.ssh.knownHosts } },
    hosts: Object.fromEntries(h.names.map((n, i) => [n, { address: h.addresses[i] }])),
    groups: {
      all: { roles: ['common'] },
      db: {
        hosts: [...h.names],
        roles: ['mariadb'],
        vars: { ...replication, mariadb_proxy_group: 'db_ha', mariadb_client_group: 'db', mariadb_innodb_buffer_pool_mb: 128, mariadb_max_connections: 100 },
      },
      db_ha: {
        hosts: [h.names[0], h.names[1]],
        roles: ['sql_proxy', 'keepalived'],
        vars: {
          sql_proxy_backend_group: 'db',
          keepalived_group: 'db_ha',
          keepalived_vips: [`${h.vip}/24`],
          keepalived_router_id: Number(h.vip.split('.')[3]),
          keepalived_interface: 'host0',
          keepalived_track_process: '',
          keepalived_track_url: 'http://127.0.0.1:8405/healthz',
          keepalived_auth_pass: 'lab-vrrp',
          common_firewall_extra_rules: [`ip saddr { ${a1}, ${a2} } ip protocol vrrp accept`],
        },
      },
    },
    vars: {
      // The mariadb role's site: the bench's database and user (the "site" is never served).
      wordpress_sites: [{ id: 'bench', domain: 'bench.lab', title: 'Bench', db_name: BENCH_DB.name, db_user: BENCH_DB.user, admin_user: 'admin', admin_email: 'admin@bench.lab' }],
      wordpress_db_passwords: { bench: BENCH_DB.password },
    },
  };
}
