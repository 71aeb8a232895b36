/** The replication operation: arguments, probe, and what it plans for each state of a group. */
import { describe, expect, it } from 'vitest';
import op, { type ReplicationState } from './mariadb_replication.js';
import { DOWN, REFUSED_USER, emptyView, fixture, member, primaryView, replicaView } from '../db/testing/views.js';
import type { PlanContext } from './types.js';

const args = (self: string, over: Record<string, unknown> = {}) =>
  op.args.parse({
    self,
    members: 'lab1=172.31.204.100 lab2=172.31.204.101, lab3=172.31.204.102',
    primary: 'lab1',
    user: 'wpha_repl',
    password: "p'w\\d",
    client_config: '/etc/mysql/wpha/replication.cnf',
    tls_dir: '/etc/mysql/wpha-tls',
    ...over,
  });
const ctx = (check = false): PlanContext => ({ host: 'h', facts: {} as PlanContext['facts'], check, diff: false });
const plan = (self: string, members: ReplicationState['members'], check = false) => op.plan(args(self), { members }, ctx(check));

describe('mariadb_replication arguments', () => {
  it('reads the members and checks that self and the starting primary are among them', () => {
    expect(args('lab2').members).toEqual([
      { name: 'lab1', address: '172.31.204.100' },
      { name: 'lab2', address: '172.31.204.101' },
      { name: 'lab3', address: '172.31.204.102' },
    ]);
    const bad = op.args.safeParse({ self: 'lab9', members: 'lab1=10.0.0.1 oops', primary: 'lab7', user: 'u', password: 'p', client_config: '/c' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.message)).toEqual(['expected name=address, got "oops"']);
    const outside = op.args.safeParse({ self: 'lab9', members: 'lab1=10.0.0.1', primary: 'lab7', user: 'u', password: 'p', client_config: '/c' });
    expect(outside.error?.issues.map((i) => i.message)).toEqual(['"lab9" is not one of the members', '"lab7" is not one of the members']);
    expect(op.args.safeParse({ ...args('lab1'), members: 'lab1=10.0.0.1', password: 'a\nb' }).success).toBe(false);
  });

  it('probes itself through the socket and each peer with the client option file', () => {
    const text = op.probe(args('lab2'), { diff: false });
    expect(text).toContain("wpha_db_view lab2 'SELECT @@server_id");
    expect(text).toMatch(/wpha_db_view lab1 'SELECT [^\n]*' --defaults-extra-file=\/etc\/mysql\/wpha\/replication.cnf -h 172\.31\.204\.100/);
    expect(text).not.toContain("p'w");
    // What it reads back is what src/db parses (recorded on lab hosts).
    const state = op.parse({ stdout: fixture('probe-healthy-from-lab2.txt'), rc: 0 }, args('lab2'));
    expect(state.members.map((m) => [m.name, m.answer.ok])).toEqual([
      ['lab1', true],
      ['lab2', true],
      ['lab3', true],
    ]);
    expect(op.plan(args('lab2'), state, ctx())).toEqual({ changed: false, summary: [] });
  });
});

describe('mariadb_replication plans', () => {
  it("opens a new group's starting primary: replication user, writes, then semi-sync once a replica is there", () => {
    const p = plan('lab1', [member('lab1', emptyView()), member('lab2', REFUSED_USER), member('lab3', REFUSED_USER)]);
    expect(p.summary).toEqual(['open this server as the primary (a new group: this is its starting primary)', 'create replication user "wpha_repl"']);
    expect(p.apply).toContain("CREATE USER IF NOT EXISTS 'wpha_repl'@'172.31.204.102' IDENTIFIED BY 'p\\'w\\\\d' REQUIRE SSL;");
    const order = ['CREATE USER', 'SET GLOBAL read_only = 0', 'wpha_repl_wait_replica 600', 'rpl_semi_sync_master_enabled = 1'].map((s) => p.apply!.indexOf(s));
    expect(order.every((n, i) => n >= 0 && (i === 0 || n > order[i - 1]!))).toBe(true);
  });

  it('reopens a restarted primary only after semi-sync is on again (nothing acknowledged unreplicated)', () => {
    const p = plan('lab1', [member('lab1', primaryView({ readOnly: true })), member('lab2', replicaView()), member('lab3', replicaView())]);
    expect(p.summary[0]).toMatch(/^open this server as the primary \(it holds every transaction, replicates from nobody and 2 replica\(s\) follow it\)/);
    expect(p.apply!.indexOf('wpha_repl_wait_replica 30')).toBeLessThan(p.apply!.indexOf('SET GLOBAL read_only = 0'));
    expect(p.apply).not.toContain('CREATE USER');
  });

  it("seeds an empty replica from whichever peer is writable, the password only on the script's stdin", () => {
    const p = plan('lab2', [member('lab1', DOWN), member('lab2', emptyView()), member('lab3', REFUSED_USER)]);
    expect(p.apply).toContain(
      "/usr/local/lib/wpha/wpha-mariadb-seed --wait 600 --port 4445 --client /etc/mysql/wpha/replication.cnf --tls /etc/mysql/wpha-tls 172.31.204.100 172.31.204.102 <<'WPHA_MASTER_OPTIONS'\n",
    );
    expect(p.apply).toContain("MASTER_USER='wpha_repl', MASTER_PASSWORD='p\\'w\\\\d', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2, MASTER_SSL=1, MASTER_SSL_CA='/etc/mysql/wpha-tls/ca.pem'");
    expect(p.apply).toContain('MASTER_SSL_VERIFY_SERVER_CERT=1\nWPHA_MASTER_OPTIONS\nwpha_repl_wait_io 60');
  });

  it('repoints the old primary to the promoted one from everything it holds (P4), semi-sync master off (P3)', () => {
    const p = plan('lab1', [
      member('lab1', primaryView({ readOnly: true, binlog: '0-2887765092-38' })),
      member('lab2', primaryView({ binlog: '0-2887765093-45' })),
      member('lab3', replicaView({ of: 'lab2', pos: '0-2887765093-45' })),
    ]);
    expect(p.summary[0]).toBe('replicate from "lab2" (172.31.204.101)');
    expect(p.apply).toContain(
      "SET GLOBAL rpl_semi_sync_master_enabled = 0;\nSET GLOBAL read_only = 1;\nSET GLOBAL gtid_slave_pos = @@gtid_current_pos;\nCHANGE MASTER TO MASTER_HOST='172.31.204.101', MASTER_PORT=3306",
    );
    expect(p.apply).toContain('START SLAVE;');
  });

  it('turns semi-sync on for a primary once a replica is connected, and off on a replica', () => {
    const off = primaryView({ semiSync: false });
    off.raw.repl_user = '3';
    expect(plan('lab1', [member('lab1', off), member('lab2', replicaView())]).summary).toEqual(['turn semi-sync on (a replica is connected)']);
    off.raw.slaves_connected = '0';
    expect(plan('lab1', [member('lab1', off), member('lab2', replicaView())])).toEqual({ changed: false, summary: [], warnings: ['semi-sync stays off: no replica is connected to this primary'] });
    const waiting = replicaView();
    waiting.semiSync.masterEnabled = true;
    const p = plan('lab2', [member('lab1', primaryView()), member('lab2', waiting)]);
    expect(p.summary).toEqual(['turn semi-sync master off (a replica must not wait for acknowledgements)']);
  });

  it('refuses, naming why, when the servers cannot tell; in check mode a server not running yet is a change', () => {
    expect(() => plan('lab1', [member('lab1', primaryView()), member('lab2', primaryView())])).toThrow('Cannot set up replication on host "h": "lab1" and "lab2" are both writable');
    expect(() => plan('lab1', [member('lab1', DOWN), member('lab2', replicaView())])).toThrow('MariaDB on this host does not answer');
    expect(plan('lab1', [member('lab1', DOWN), member('lab2', replicaView())], true)).toMatchObject({ changed: true });
  });
});
