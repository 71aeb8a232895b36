/**
 * The backup role's replica hook on a real MariaDB replication group (the mariadb role's
 * mariadb_replication_group, two lab hosts): with `backup_db_source: replica` on both, the
 * writable primary skips its database, the read-only replica that replicates backs it up (rows
 * written on the primary are in its dump, its GTID position recorded), and a replica whose
 * replication is stopped refuses to back up stale data. The second apply changes nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { makeTestCa } from '../../src/db/testing/test-ca.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labVars = (group: string) => parse(readFileSync(path.join(root, 'inventories/lab/group_vars', `${group}.yaml`), 'utf8')) as Record<string, unknown>;

type Host = { name: string; address: string };

describe('backup from the replica of a MariaDB replication group', () => {
  let lab: LabHosts;
  let invDir: string;
  let primary: Host, replica: Host;
  const sh = async (h: Host, cmd: string) => {
    const r = await lab.ssh(h.name, cmd);
    if (r.code !== 0) throw new Error(`${h.name}: ${cmd}\nexit ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const lastInfo = (h: Host) => sh(h, 'd=$(ls -d /var/backups/wpha/sets/* | tail -n 1); cat $d/INFO; ls $d');

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'bkrepl');
    [primary, replica] = lab.hosts as [Host, Host];
    // A throw-away CA for the group's TLS (the mariadb role signs each node's certificate with it).
    const ca = makeTestCa('wpha backup test CA');
    invDir = writeLabInventory(lab, {
      groups: {
        all: { roles: ['common'] },
        db: {
          hosts: [primary.name, replica.name],
          roles: ['mariadb', 'backup'],
          vars: {
            ...labVars('db'),
            mariadb_client_group: 'db',
            mariadb_replication_group: 'db',
            mariadb_replication_password: 'backup-test-repl-pass',
            mariadb_tls_ca_cert: ca.cert,
            mariadb_tls_ca_key: ca.key,
            backup_db: true,
            backup_db_source: 'replica',
          },
        },
      },
      vars: labVars('all'),
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
  });

  it('applies: the first host is the writable primary, the other a read-only replica that replicates', async () => {
    const r = await runWpha(['apply', '-i', invDir, '--json'], { timeoutMs: 1_500_000 });
    const failed = tasksOf(jsonEvents(r.stdout)).filter((t) => t.status === 'failed');
    expect(failed.map((t) => `${t.host} ${t.task}: ${t.error}`)).toEqual([]);
    expect(r.code).toBe(0);
    expect(await sh(primary, "mariadb -NBe 'SELECT @@read_only'")).toBe('0');
    expect(await sh(replica, "mariadb -NBe 'SELECT @@read_only'; mariadb -Be 'SHOW SLAVE STATUS\\G' | awk '/Slave_(IO|SQL)_Running:/ { print $2 }'")).toBe('1\nYes\nYes');
  }, 1_600_000);

  it('backs the database up on the replica only, with the rows written on the primary', async () => {
    await sh(primary, 'mariadb -e "CREATE TABLE wp_shop.backup_probe (id INT PRIMARY KEY, v VARCHAR(40)); INSERT INTO wp_shop.backup_probe VALUES (1, \'written-on-the-primary-7c2e\')"');
    const gtid = await sh(primary, "mariadb -NBe 'SELECT @@gtid_binlog_pos'");
    expect(await sh(replica, `mariadb -NBe "SELECT MASTER_GTID_WAIT('${gtid}', 60)"`)).toBe('0');
    const r = await runWpha(['backup', 'run', '-i', invDir]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').sort()).toEqual([primary, replica].map((h) => expect.stringMatching(new RegExp(`^${h.name} \\| backup \\d{8}T\\d{6}Z done \\(taken, verified\\)$`))));
    expect(await lastInfo(primary)).toContain('db_method none (skipped: this server is writable (a primary): the database is backed up on a replica)');
    const info = await lastInfo(replica);
    expect(info).toMatch(/^db_method dump$/m);
    expect(info).toMatch(new RegExp(`^gtid_slave_pos ${gtid}$`, 'm'));
    expect(await sh(replica, "zstd -dc $(ls -d /var/backups/wpha/sets/* | tail -n 1)/db-wp_shop.sql.zst | grep -c 'written-on-the-primary-7c2e'")).toBe('1');
  });

  it('refuses to back up a replica whose replication is stopped (its data may be stale)', async () => {
    await sh(replica, "mariadb -e 'STOP SLAVE'");
    try {
      const r = await runWpha(['backup', 'run', '-i', invDir, '--host', replica.name]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('this replica does not replicate (IO No, SQL No): its data may be stale');
    } finally {
      await sh(replica, "mariadb -e 'START SLAVE'");
    }
  });

  it('changes nothing on the second apply, in one round trip per host', async () => {
    const r = await runWpha(['apply', '-i', invDir, '--json']);
    expect(r.code).toBe(0);
    const events = jsonEvents(r.stdout);
    expect(
      tasksOf(events)
        .filter((t) => t.status !== 'ok' && t.status !== 'skipped')
        .map((t) => `${t.host} ${t.task} ${t.status}`),
    ).toEqual([]);
    for (const h of [primary, replica]) expect(hostDone(events, h.name)).toMatchObject({ recap: { changed: 0, failed: 0 }, roundTrips: 1 });
  });
});
