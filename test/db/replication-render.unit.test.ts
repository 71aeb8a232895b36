/**
 * The replicated database tier of the shipped inventories (lab, prod-example,
 * prod-two-region-example) rendered without a host: every task of every host expands, and the
 * computed parts are what the variables say (server ids, read_only, semi-sync without fallback,
 * auto_increment per node or per region, the SQL proxy's servers and check, the database VIP,
 * the replication operation's members and starting primary).
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { loadForRun } from '../../src/engine/load.js';
import { expandHost, recordedFacts, stepContent } from '../../src/engine/testing/expand-host.js';
import type { Inventory } from '../../src/model.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const load = (name: string) => loadForRun({ inventory: name, cwd: root });
const steps = (inv: Inventory, host: string) => expandHost(inv, host, recordedFacts({ hostname: host, default_interface: 'host0' })).steps;
const cnf = (inv: Inventory, host: string) => stepContent(steps(inv, host), '/etc/mysql/mariadb.conf.d/60-wpha.cnf');
const line = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(`${key} = `));
const ipInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const replication = (inv: Inventory, host: string) =>
  steps(inv, host).find((s) => s.op.name === 'mariadb_replication')!.args as { members: { name: string; address: string }[]; primary: string; self: string };

describe('the replicated database tier, rendered', () => {
  it.each(['lab', 'prod-example', 'prod-two-region-example'])('%s: every task of every host expands', async (name) => {
    const inv = await load(name);
    for (const host of inv.hosts.keys()) expect(steps(inv, host).length).toBeGreaterThan(5);
  });

  it('lab: two read-only nodes with their own server ids and auto_increment offsets, semi-sync that never falls back', async () => {
    const inv = await load('lab');
    for (const [host, address, offset] of [
      ['db1', '172.31.250.31', '1'],
      ['db2', '172.31.250.32', '2'],
    ] as const) {
      const text = cnf(inv, host);
      expect(line(text, 'read_only')).toBe('read_only = ON');
      expect(line(text, 'server_id')).toBe(`server_id = ${ipInt(address)}`);
      expect(line(text, 'auto_increment_increment')).toBe('auto_increment_increment = 2');
      expect(line(text, 'auto_increment_offset')).toBe(`auto_increment_offset = ${offset}`);
      expect(line(text, 'rpl_semi_sync_master_wait_point')).toBe('rpl_semi_sync_master_wait_point = AFTER_SYNC');
      expect(line(text, 'rpl_semi_sync_master_timeout')).toBe('rpl_semi_sync_master_timeout = 31536000000');
      expect(line(text, 'init_rpl_role')).toBe('init_rpl_role = SLAVE');
      expect(line(text, 'log_slave_updates')).toBe('log_slave_updates = ON');
      expect(line(text, 'ssl_cert')).toBe('ssl_cert = /etc/mysql/wpha-tls/node.pem');
      expect(replication(inv, host)).toMatchObject({
        self: host,
        primary: 'db1',
        members: [
          { name: 'db1', address: '172.31.250.31' },
          { name: 'db2', address: '172.31.250.32' },
        ],
      });
    }
    // A standalone server keeps no replication settings (and still a binary log).
    const web = await loadForRun({ inventory: 'lab', cwd: root, extraVars: ['mariadb_replication_group='] });
    const single = cnf(web, 'db1');
    expect(line(single, 'read_only')).toBeUndefined();
    expect(line(single, 'log_bin')).toBe('log_bin = mysql-bin');
  });

  it('lab: the SQL proxy on db1 and db2 sends to the writer; keepalived holds the database VIP', async () => {
    const inv = await load('lab');
    const proxy = stepContent(steps(inv, 'db2'), '/etc/haproxy/wpha-sql.cfg');
    expect(proxy).toContain('    bind :3307\n');
    expect(proxy).toContain('    external-check command /usr/local/lib/wpha/wpha-sql-check-writer\n');
    expect(proxy.match(/^ {4}server .*$/gm)).toEqual(['    server db1 172.31.250.31:3306 check', '    server db2 172.31.250.32:3306 check']);
    expect(proxy).toContain('on-marked-down shutdown-sessions');
    const check = stepContent(steps(inv, 'db1'), '/usr/local/lib/wpha/wpha-sql-check-writer');
    expect(check).toContain('user=wpha_check\n');
    const vrrp = stepContent(steps(inv, 'db2'), '/etc/keepalived/keepalived.conf');
    expect(vrrp).toContain('172.31.250.30/24 dev host0');
    expect(vrrp).toMatch(/priority 240\n/);
    expect(vrrp).toMatch(/unicast_peer \{\n\s+172\.31\.250\.31\n/);
  });

  it("two regions: auto_increment per region, both regions' proxies send to the writer of the whole group", async () => {
    const inv = await load('prod-two-region-example');
    expect([line(cnf(inv, 'db2'), 'auto_increment_offset'), line(cnf(inv, 'db3'), 'auto_increment_offset'), line(cnf(inv, 'db3'), 'auto_increment_increment')]).toEqual([
      'auto_increment_offset = 1',
      'auto_increment_offset = 2',
      'auto_increment_increment = 2',
    ]);
    expect(replication(inv, 'db3').members.map((m) => m.name)).toEqual(['db1', 'db2', 'db3']);
    const dr = stepContent(steps(inv, 'db3'), '/etc/haproxy/wpha-sql.cfg');
    expect(dr.match(/^ {4}server \S+/gm)).toEqual(['    server db1', '    server db2', '    server db3']);
    expect(stepContent(steps(inv, 'web-dr1'), '/etc/wordpress/config-shop.php')).toContain("define('DB_HOST', '10.30.0.30:3307');");
    // The sites' users may log in from every web node and every proxy of both regions.
    const sql = stepContent(steps(inv, 'db1'), '/etc/mysql/wpha/wordpress.sql');
    expect([...sql.matchAll(/^GRANT SELECT.* TO 'wp_shop'@'([^']+)';$/gm)].map((m) => m[1])).toEqual(['10.20.0.21', '10.30.0.21', '10.20.0.31', '10.20.0.32', '10.30.0.31']);
  });
});
