/**
 * The proxysql role rendered for a Galera cluster and for a replication group (ProxySQL cannot
 * be installed here, so nothing of it runs in the lab): /etc/proxysql.cnf is read back with a
 * libconfig reader, the way ProxySQL reads it, and its tables checked; bad inputs are refused
 * at load time.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadForRun } from '../engine/load.js';
import { expandHost, recordedFacts, stepContent } from '../engine/testing/expand-host.js';
import { InputError, formatIssue } from '../errors.js';
import { parseLibconfig, type LibconfigValue } from './libconfig.js';

const sites = [
  { id: 'shop', domain: 'shop.example', title: 'Shop', db_name: 'wp_shop', db_user: 'wp_shop', admin_user: 'a', admin_email: 'a@shop.example' },
  { id: 'blog', domain: 'blog.example', title: 'Blog', db_name: 'wp_blog', db_user: 'wp_blog', admin_user: 'a', admin_email: 'a@blog.example' },
];

function inventory(vars: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-proxysql-'));
  const hosts = { db1: { address: '10.0.0.31' }, db2: { address: '10.0.0.32' }, db3: { address: '10.0.0.33' }, px1: { address: '10.0.0.41' } };
  const groups = { db: { hosts: ['db1', 'db2', 'db3'] }, proxy: { hosts: ['px1'], roles: ['proxysql'] } };
  const all = {
    wordpress_sites: sites,
    wordpress_db_passwords: { shop: 'shop "pw" #1', blog: 'blog-pw' },
    proxysql_backend_group: 'db',
    proxysql_admin_password: 'admin-pw',
    proxysql_repo_key_sha256: 'a'.repeat(64),
    ...vars,
  };
  writeFileSync(path.join(dir, 'inventory.yaml'), stringify({ hosts, groups, vars: all }));
  return dir;
}

async function rendered(vars: Record<string, unknown> = {}) {
  const inv = await loadForRun({ inventory: inventory(vars) });
  const { steps, skipped } = expandHost(inv, 'px1', recordedFacts({ hostname: 'px1', cpus: 4 }));
  return { steps, skipped, cnf: parseLibconfig(stepContent(steps, '/etc/proxysql.cnf')) };
}
const list = (v: LibconfigValue | undefined) => v as Record<string, LibconfigValue>[];
const group = (v: LibconfigValue | undefined) => v as Record<string, LibconfigValue>;

describe('proxysql role', () => {
  it("Galera: every node a backend, the Galera hostgroups, the sites' users, read/write split, admin on loopback", async () => {
    const { cnf, steps } = await rendered();
    expect(group(cnf.admin_variables)).toEqual({ admin_credentials: 'wpha_admin:admin-pw', mysql_ifaces: '127.0.0.1:6032' });
    const mv = group(cnf.mysql_variables);
    expect(mv).toMatchObject({ interfaces: '0.0.0.0:3306', threads: 4, monitor_username: 'wpha_check', monitor_password: '', max_connections: 2048 });
    expect(list(cnf.mysql_servers).map((s) => [s.address, s.port, s.hostgroup])).toEqual([
      ['10.0.0.31', 3306, 30],
      ['10.0.0.32', 3306, 30],
      ['10.0.0.33', 3306, 30],
    ]);
    expect(list(cnf.mysql_galera_hostgroups)).toEqual([
      { writer_hostgroup: 10, backup_writer_hostgroup: 20, reader_hostgroup: 30, offline_hostgroup: 9999, active: 1, max_writers: 1, writer_is_also_reader: 2, max_transactions_behind: 100 },
    ]);
    expect(cnf.mysql_replication_hostgroups).toBeUndefined();
    // Passwords with quotes and # survive the format; writes (and the default) go to the writer.
    expect(list(cnf.mysql_users)).toEqual([
      { username: 'wp_shop', password: 'shop "pw" #1', default_hostgroup: 10, transaction_persistent: 1, active: 1 },
      { username: 'wp_blog', password: 'blog-pw', default_hostgroup: 10, transaction_persistent: 1, active: 1 },
    ]);
    const rules = list(cnf.mysql_query_rules);
    expect(rules.map((r) => [r.rule_id, r.match_digest, r.destination_hostgroup, r.apply])).toEqual([
      [100, '^SELECT .* FOR UPDATE', 10, 1],
      [200, '^SELECT', 30, 1],
    ]);
    expect(new RegExp(String(rules[1]!.match_digest)).test('SELECT option_value FROM wp_options')).toBe(true);
    expect(new RegExp(String(rules[0]!.match_digest)).test('SELECT * FROM wp_wc_stock WHERE id = 7 FOR UPDATE')).toBe(true);
    // The file and the admin client settings hold passwords.
    const cfg = steps.find((s) => (s.args as { dest?: string }).dest === '/etc/proxysql.cnf')!.args as { mode: string; group: string };
    expect([cfg.mode, cfg.group]).toEqual(['0640', 'proxysql']);
    expect(stepContent(steps, '/etc/mysql/proxysql-admin.cnf')).toContain('port = 6032\nuser = wpha_admin\npassword = "admin-pw"\n');
    expect(stepContent(steps, '/etc/mysql/proxysql-load.sql')).toContain('LOAD MYSQL SERVERS FROM CONFIG;\n');
  });

  it('replication: read_only decides the writer, lagging replicas are shunned; no split when asked', async () => {
    const { cnf } = await rendered({ proxysql_topology: 'replication', proxysql_read_write_split: false, proxysql_max_replication_lag: 5 });
    expect(list(cnf.mysql_replication_hostgroups)).toEqual([{ writer_hostgroup: 10, reader_hostgroup: 30, check_type: 'read_only', comment: 'wpha' }]);
    expect(cnf.mysql_galera_hostgroups).toBeUndefined();
    expect(list(cnf.mysql_servers).every((s) => s.max_replication_lag === 5)).toBe(true);
    expect(cnf.mysql_query_rules).toEqual([]);
  });

  it('installs from the repository with a checked key, or from a .deb checked by sha256', async () => {
    const repo = await rendered();
    expect(repo.skipped).toEqual(expect.arrayContaining(['proxysql/ProxySQL .deb', 'proxysql/ProxySQL from the .deb']));
    const key = repo.steps.find((s) => s.op.name === 'apt_key')!.args as { url: string; sha256: string };
    expect(key).toMatchObject({ url: 'https://repo.proxysql.com/ProxySQL/proxysql-2.7.x/repo_pub_key', sha256: 'a'.repeat(64) });
    const deb = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-deb-')), 'proxysql.deb');
    writeFileSync(deb, 'not really a package');
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update('not really a package').digest('hex');
    const fromDeb = await rendered({ proxysql_source: 'deb', proxysql_deb: deb, proxysql_deb_sha256: sha });
    expect(fromDeb.skipped).toEqual(expect.arrayContaining(['proxysql/ProxySQL repository key', 'proxysql/ProxySQL repository', 'proxysql/ProxySQL package']));
    expect(fromDeb.steps.some((s) => (s.args as { dest?: string }).dest === `/var/cache/wpha/proxysql-${sha}.deb`)).toBe(true);
  });

  it('refuses a repository key without its sha256, a .deb without one, and an unknown backend group', async () => {
    const issues = async (vars: Record<string, unknown>) => {
      try {
        await loadForRun({ inventory: inventory(vars) });
        return [];
      } catch (e) {
        if (e instanceof InputError) return e.issues.map((i) => formatIssue(i).replace(/^[^:]+:\d+:\d+: /, ''));
        throw e;
      }
    };
    expect(await issues({ proxysql_repo_key_sha256: '' })).toEqual([expect.stringMatching(/^vars\.proxysql_repo_key_sha256: The ProxySQL repository's key needs its sha256/)]);
    expect(await issues({ proxysql_source: 'deb' })).toEqual([expect.stringMatching(/^hosts\.px1: Host "px1": A ProxySQL \.deb needs its path on the controller/)]);
    expect(await issues({ proxysql_backend_group: 'nodb' })).toEqual([expect.stringMatching(/^vars\.proxysql_backend_group: proxysql_backend_group names no group of the inventory/)]);
  });
});
