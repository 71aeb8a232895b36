/**
 * The galera and galera_arbitrator roles rendered without a host (recorded facts), and the bad
 * inputs they refuse at load time, with file:line, before any host is contacted.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadForRun } from '../engine/load.js';
import { expandHost, recordedFacts, stepContent } from '../engine/testing/expand-host.js';
import { InputError, formatIssue } from '../errors.js';
import { projectRoot } from '../paths.js';

const site = { id: 'shop', domain: 'shop.example', title: 'Shop', db_name: 'wp_shop', db_user: 'wp_shop', admin_user: 'admin', admin_email: 'a@shop.example' };

/** An inventory folder: db1..dbN in group `galera` (roles mariadb, galera), optional arbitrators. */
function inventory(opts: { nodes: number; arbitrators?: number; vars?: Record<string, unknown>; omitSstPassword?: boolean; roles?: string[] }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-galera-role-'));
  const hosts: Record<string, unknown> = {};
  const nodes = Array.from({ length: opts.nodes }, (_, i) => `db${i + 1}`);
  const arbs = Array.from({ length: opts.arbitrators ?? 0 }, (_, i) => `arb${i + 1}`);
  nodes.forEach((h, i) => (hosts[h] = { address: `10.0.0.${31 + i}` }));
  arbs.forEach((h, i) => (hosts[h] = { address: `10.0.0.${41 + i}` }));
  const groups: Record<string, unknown> = { galera: { hosts: nodes, roles: opts.roles ?? ['mariadb', 'galera'] } };
  if (arbs.length) groups.arbiter = { hosts: arbs, roles: ['galera_arbitrator'] };
  const vars: Record<string, unknown> = {
    wordpress_sites: [site],
    wordpress_db_passwords: { shop: 'app-pass' },
    mariadb_client_group: 'galera',
    ...(opts.omitSstPassword ? {} : { galera_sst_password: 'sst "pass" #1' }),
    ...(arbs.length ? { galera_arbitrator_group: 'arbiter' } : {}),
    ...opts.vars,
  };
  writeFileSync(path.join(dir, 'inventory.yaml'), stringify({ hosts, groups, vars }));
  return dir;
}

async function issues(dir: string): Promise<string[]> {
  try {
    await loadForRun({ inventory: dir, cwd: dir });
  } catch (e) {
    if (e instanceof InputError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

describe('galera role rendered', () => {
  it('writes the node settings: every node in the address, the SST password quoted whole', async () => {
    const inv = await loadForRun({ inventory: inventory({ nodes: 3 }) });
    const cnf = stepContent(expandHost(inv, 'db2', recordedFacts({ hostname: 'db2' })).steps, '/etc/mysql/mariadb.conf.d/70-galera.cnf');
    expect(cnf).toContain('wsrep_cluster_address = gcomm://10.0.0.31,10.0.0.32,10.0.0.33\n');
    expect(cnf).toContain('wsrep_node_address = 10.0.0.32\nwsrep_node_name = db2\n');
    // An option file cuts an unquoted value at # and unquotes "...": the value is one quoted string.
    expect(cnf).toContain('wsrep_sst_auth = "wpha_sst:sst \\"pass\\" #1"\n');
    expect(cnf).toContain('wsrep_provider_options = "gcache.size=256M"\n');
    expect(cnf).toMatch(/^binlog_format = ROW$/m);
    expect(cnf).toMatch(/^innodb_autoinc_lock_mode = 2$/m);
  });

  it('lets only the first host bootstrap, and counts arbitrators in the full cluster', async () => {
    const inv = await loadForRun({ inventory: inventory({ nodes: 2, arbitrators: 1 }) });
    const conf = (h: string) => stepContent(expandHost(inv, h, recordedFacts({ hostname: h })).steps, '/etc/mysql/wpha/galera-node.conf');
    expect(conf('db1')).toContain('GALERA_SELF=10.0.0.31\nGALERA_PEERS=" 10.0.0.32"\n');
    expect(conf('db1')).toMatch(/^GALERA_FIRST=1$/m);
    expect(conf('db2')).toMatch(/^GALERA_FIRST=0$/m);
    expect(conf('db2')).toMatch(/^GALERA_EXPECTED=3$/m);
    const sql = stepContent(expandHost(inv, 'db1', recordedFacts({ hostname: 'db1' })).steps, '/etc/mysql/wpha/galera.sql');
    expect(sql).toContain(`GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'wpha_sst'@'localhost';`);
  });

  it('renders the shipped example inventory (inventories/prod-galera-example)', async () => {
    const inv = await loadForRun({ inventory: 'prod-galera-example', cwd: projectRoot() });
    const cnf = stepContent(expandHost(inv, 'db3', recordedFacts({ hostname: 'db3' })).steps, '/etc/mysql/mariadb.conf.d/70-galera.cnf');
    expect(cnf).toContain('wsrep_cluster_name = shop\nwsrep_cluster_address = gcomm://10.20.0.31,10.20.0.32,10.20.0.33\n');
    expect(cnf).toContain('wsrep_provider_options = "gcache.size=1G"\n');
    expect(cnf).toContain('wsrep_sync_wait = 1\n');
    // The SQL proxy on the three nodes checks for a Synced node; the web nodes use its VIP.
    const proxy = stepContent(expandHost(inv, 'db1', recordedFacts({ hostname: 'db1' })).steps, '/etc/haproxy/wpha-sql.cfg');
    expect(proxy).toContain('external-check command /usr/local/lib/wpha/wpha-sql-check-synced');
    expect(proxy.match(/^ {4}server db\d 10\.20\.0\.3\d:3306 check$/gm)).toHaveLength(3);
    expect(inv.hosts.get('web1')!.vars.wordpress_db_host).toBe('10.20.0.30:3307');
  });

  it("leaves starts, restarts and the sites' SQL of MariaDB to the galera role on its hosts", async () => {
    const inv = await loadForRun({ inventory: inventory({ nodes: 3 }) });
    const { steps, skipped } = expandHost(inv, 'db1', recordedFacts({ hostname: 'db1' }));
    expect(skipped).toEqual(expect.arrayContaining(['mariadb/MariaDB running', 'mariadb/databases and users']));
    // The sites' SQL runs in the galera role, after the node's membership task.
    const names = steps.map((s) => `${s.task.role}/${s.task.name}`);
    expect(names.indexOf('galera/databases and users')).toBeGreaterThan(names.indexOf('galera/member of the Galera cluster'));
  });
});

describe('galera role with galera_flavor: percona (rendered only)', () => {
  it('Percona XtraDB Cluster 8.0 from its repository, its own settings file, unit and bootstrap unit; no mariadb role', async () => {
    const inv = await loadForRun({ inventory: inventory({ nodes: 3, roles: ['galera'], omitSstPassword: true, vars: { galera_flavor: 'percona', galera_percona_key_sha256: 'b'.repeat(64) } }) });
    const { steps, skipped } = expandHost(inv, 'db1', recordedFacts({ hostname: 'db1' }));
    expect(skipped).toEqual(expect.arrayContaining(['galera/Galera packages', 'galera/SST user', 'galera/Galera settings']));
    const repo = steps.find((s) => s.op.name === 'apt_repository')!.args as { uris: string[]; suites: string[]; components: string[] };
    expect([repo.uris, repo.suites, repo.components]).toEqual([['http://repo.percona.com/pxc-80/apt'], ['bookworm'], ['main']]);
    expect(steps.find((s) => s.op.name === 'apt_key')!.args).toMatchObject({ sha256: 'b'.repeat(64) });
    const cnf = stepContent(steps, '/etc/mysql/mysql.conf.d/70-galera.cnf');
    expect(cnf).toContain('[mysqld]\n');
    expect(cnf).toContain('wsrep_provider = /usr/lib/galera4/libgalera_smm.so\n');
    expect(cnf).toContain('wsrep_cluster_address = gcomm://10.0.0.31,10.0.0.32,10.0.0.33\n');
    expect(cnf).toContain('wsrep_sst_method = xtrabackup-v2\n');
    const conf = stepContent(steps, '/etc/mysql/wpha/galera-node.conf');
    expect(conf).toContain('GALERA_SERVICE=mysql\nGALERA_CLIENT=mysql\nGALERA_BOOTSTRAP_UNIT=mysql@bootstrap.service\n');
  });

  it("refuses Percona next to the mariadb role, or without the repository key's sha256", async () => {
    const lines = await issues(inventory({ nodes: 3, vars: { galera_flavor: 'percona' } }));
    expect(lines).toContain('inventory.yaml:2:3: hosts.db1: Host "db1": Percona XtraDB Cluster replaces MariaDB: give these hosts roles [galera] only (role "galera")');
    expect(lines).toContain(
      'inventory.yaml:2:3: hosts.db1: Host "db1": Percona\'s repository key needs its sha256 (galera_percona_key_sha256): a key fetched unchecked could sign anything (role "galera")',
    );
  });
});

describe('galera bad inputs, refused before any host is touched', () => {
  it('a group of two data nodes without an arbitrator', async () => {
    expect(await issues(inventory({ nodes: 2 }))).toEqual([
      'inventory.yaml:7:3: groups.galera: Group "galera": A Galera group needs three data nodes or more, or two and an arbitrator (galera_arbitrator_group): with two, losing either one stops the other (role "galera")',
    ]);
  });

  it('a missing SST password, on every node', async () => {
    expect(await issues(inventory({ nodes: 3, omitSstPassword: true }))).toEqual(
      [1, 2, 3].map(
        (i) => `inventory.yaml:${i * 2}:3: hosts.db${i}: Host "db${i}": Missing galera_sst_password: the password of the user a donor's mariabackup logs in as (keep it in the vault) (role "galera")`,
      ),
    );
  });

  it('an arbitrator group that does not exist, and the galera role without the mariadb role', async () => {
    expect(await issues(inventory({ nodes: 2, vars: { galera_arbitrator_group: 'nobody' } }))).toEqual([
      'inventory.yaml:27:3: vars.galera_arbitrator_group: galera_arbitrator_group names no group of the inventory (role "galera")',
    ]);
    expect(await issues(inventory({ nodes: 3, roles: ['galera'] }))).toEqual(
      [1, 2, 3].map((i) => `inventory.yaml:${i * 2}:3: hosts.db${i}: Host "db${i}": The galera role runs on top of the mariadb role: give these hosts roles [mariadb, galera] (role "galera")`),
    );
  });
});
