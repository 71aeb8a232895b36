/**
 * A Galera cluster of three fresh lab hosts (mariadb + galera roles), one file sharing its hosts:
 * the first host bootstraps and the others join by SST; rows written on any node are on all;
 * the second apply changes nothing; a changed setting restarts the nodes one at a time while a
 * client keeps writing; kill -9 of one node: the others keep acknowledging writes and it rejoins
 * by IST; every row a client was told was committed is on every node after each drill.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { changedOf, failedOf, hostDone, jsonEvents, runWpha } from '../helpers/wpha-cli.js';
import { galeraCluster, missing } from './galera-cluster.js';
import { until } from '../helpers/until.js';
import { makeTestCa } from '../../src/db/testing/test-ca.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labAll = parse(readFileSync(path.join(root, 'inventories/lab/group_vars/all.yaml'), 'utf8')) as Record<string, unknown>;
const site = (labAll.wordpress_sites as { db_name: string; db_user: string }[])[0]!;
const appPassword = (labAll.wordpress_db_passwords as Record<string, string>).shop!;
// Characters an option file would cut (#) or unquote (") must survive into wsrep_sst_auth.
const SST_PASSWORD = 'lab-sst "pass" #not-secret';

describe('Galera cluster of three nodes', () => {
  let lab: LabHosts;
  let inv: string;
  let addr: string[];
  let vip: string;
  let db: ReturnType<typeof galeraCluster>;
  // Replication and snapshots over TLS, with the mariadb role's node certificates of a test CA.
  let tls: Record<string, unknown> = {};
  const groupVars: Record<string, unknown> = { galera_tls: true, galera_group: 'galera', mariadb_client_group: 'galera', mariadb_innodb_buffer_pool_mb: 128, mariadb_max_connections: 100 };

  // The SQL proxy (HAProxy sending every connection to the first Synced node) on every host,
  // behind a virtual IP (keepalived).
  const proxyGroup = () => ({
    hosts: [0, 1, 2],
    roles: ['sql_proxy', 'keepalived'],
    vars: {
      sql_proxy_backend_group: 'galera',
      sql_proxy_check: 'synced',
      keepalived_group: 'sqlproxy',
      keepalived_vips: [`${vip}/24`],
      keepalived_router_id: Number(vip.split('.')[3]),
      keepalived_auth_pass: 'lab-vrrp',
      keepalived_track_url: 'http://127.0.0.1:8405/healthz',
    },
  });
  const writeInventory = (extra: Record<string, unknown> = {}, arbiter = false) =>
    writeLabInventory(lab, {
      groups: arbiter
        ? { galera: { hosts: [0, 1], roles: ['mariadb', 'galera'], vars: { ...groupVars, ...extra } }, arbiter: { hosts: [2], roles: ['galera_arbitrator'] }, sqlproxy: proxyGroup() }
        : { galera: { hosts: [0, 1, 2], roles: ['mariadb', 'galera'], vars: { ...groupVars, ...extra } }, sqlproxy: proxyGroup() },
      // The test's client (bench/db/acked-writer.py) runs on the first host.
      hostVars: { [lab.hosts[0]!.name]: { common_extra_packages: ['python3-pymysql'] } },
      vars: {
        ...labAll,
        ...tls,
        mariadb_proxy_group: 'sqlproxy',
        common_firewall_extra_rules: [`ip saddr { ${addr.join(', ')} } ip protocol vrrp accept`],
        galera_sst_password: SST_PASSWORD,
        mariadb_client_hosts: [`${addr[0]!.split('.').slice(0, 3).join('.')}.%`],
        ...(arbiter ? { galera_arbitrator_group: 'arbiter' } : {}),
      },
    }).dir;

  beforeAll(async () => {
    lab = await acquireLabHosts(3, 'galera');
    addr = lab.hosts.map((h) => h.address);
    vip = lab.reserveAddress();
    db = galeraCluster(lab);
    const ca = makeTestCa('wpha-galera-test-ca');
    tls = { mariadb_tls_ca_cert: ca.cert, mariadb_tls_ca_key: ca.key };
    inv = writeInventory();
  });
  afterAll(async () => lab?.release());

  const apply = () => runWpha(['apply', '-i', inv, '--json'], { timeoutMs: 1_200_000 });
  const ids = async (i: number) => (await db.sql(i, `SET SESSION wsrep_sync_wait = 1; SELECT id FROM ${site.db_name}.acked ORDER BY id`)).split('\n').filter(Boolean).map(Number);
  const writer = (tag: string, start: number, targets: number[]) =>
    db.startWriter(
      0,
      targets.map((i) => addr[i]!),
      { start, user: site.db_user, password: appPassword, db: site.db_name, table: 'acked', tag },
    );
  /** The Galera node the SQL proxy's VIP leads to, asked through it as the site's user. */
  const throughVip = async () => (await lab.ssh(db.name(0), `mariadb -h ${vip} -P 3307 -u ${site.db_user} -p"$(cat)" -N -B -e 'SELECT @@wsrep_node_name' 2>&1`, { input: appPassword })).stdout.trim();
  /** Every acknowledged id is on every node. */
  const expectOnAll = async (acked: number[]) => {
    for (const i of [0, 1, 2]) expect(missing(acked, await ids(i)), `acknowledged rows missing on ${db.name(i)}`).toEqual([]);
  };

  it('applies: the first host bootstraps, the others join by SST; rows written on any node are on all', async () => {
    const r = await apply();
    expect(failedOf(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    for (const i of [0, 1, 2]) expect(await db.synced(i, 3)).toBe(true);
    expect(await db.journal(0, 0)).toContain("gcomm: bootstrapping new group 'wpha'");
    for (const i of [1, 2]) {
      const log = await db.journal(i, 0);
      expect(log).not.toContain('bootstrapping new group');
      // Replication and the snapshot went over TLS, the donor checking the joiner's certificate.
      expect(log).toMatch(/connection established to \S+ ssl:\/\//);
      expect(log).toContain("MODE='VERIFY_CA'");
      expect(log).toContain('IST receiver using ssl');
      // A snapshot was installed, and not as an IST (MariaDB runs the SST script for both; the
      // joiner's script says "Running IST" for an IST only).
      expect(log).toMatch(/WSREP: SST received: [0-9a-f-]{36}:\d+/);
      expect(log).not.toContain('Running IST');
    }
    // The SST password reached the donor intact (quotes and # included) or no join would work.
    expect((await lab.ssh(db.name(0), 'stat -c "%a %U:%G" /etc/mysql/mariadb.conf.d/70-galera.cnf')).stdout.trim()).toBe('640 root:mysql');

    await db.sql(0, `CREATE TABLE ${site.db_name}.acked (id INT PRIMARY KEY, host VARCHAR(64) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`);
    // 100 rows through each node, as the application user over the network.
    for (const i of [0, 1, 2]) {
      const values = Array.from({ length: 100 }, (_, k) => `(${i * 1000 + k + 1}, '${addr[i]}')`).join(',');
      const w = await lab.ssh(db.name(i), `mariadb -h ${addr[i]} -u ${site.db_user} -p"$(cat)" ${site.db_name} -e "INSERT INTO acked (id, host) VALUES ${values}"`, { input: appPassword });
      expect(w.code, w.stderr).toBe(0);
    }
    for (const i of [0, 1, 2]) {
      expect(await db.sql(i, `SET SESSION wsrep_sync_wait = 1; SELECT host, COUNT(*) FROM ${site.db_name}.acked GROUP BY host ORDER BY host`)).toBe(
        addr
          .map((a) => `${a}\t100`)
          .sort()
          .join('\n'),
      );
    }
    await db.sql(0, `DELETE FROM ${site.db_name}.acked`);
  }, 1_500_000);

  it('a second apply changes nothing', async () => {
    const r = await apply();
    expect(changedOf(r.stdout)).toEqual([]);
    for (const h of lab.hosts) expect(hostDone(jsonEvents(r.stdout), h.name)?.recap).toMatchObject({ changed: 0, failed: 0 });
  }, 600_000);

  it('a changed setting restarts the nodes one at a time while a client keeps writing', async () => {
    const since = Date.now() / 1000;
    const w = await writer('rolling', 1, [0, 1, 2]);
    await until('writer running', w.count, (n) => n > 20, 60);
    inv = writeInventory({ galera_applier_threads: 2 });
    const r = await apply();
    expect(failedOf(r.stdout)).toEqual([]);
    expect(changedOf(r.stdout).filter((c) => c.endsWith(' member of the Galera cluster')).length).toBe(3);
    const before = await w.count();
    await until('writes after the restarts', w.count, (n) => n > before + 20, 60);
    const res = await w.stop();
    // Each node stopped once and was Synced again before the next one stopped.
    const windows = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const lines = (await db.journal(i, since)).split('\n');
        const at = (re: RegExp) => lines.filter((l) => re.test(l)).map((l) => Number(l.split(' ')[0]));
        const stops = at(/Normal shutdown/);
        const ready = at(/Synchronized with group, ready for connections/).filter((t) => t > (stops[0] ?? Infinity));
        expect(stops.length, `${db.name(i)} stopped once`).toBe(1);
        return [stops[0]!, ready[0]!] as const;
      }),
    );
    windows.sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < 3; k++) expect(windows[k]![0], 'a node stopped while another was restarting').toBeGreaterThan(windows[k - 1]![1]);
    for (const i of [0, 1, 2]) expect((await db.sql(i, 'SELECT @@wsrep_slave_threads')).trim()).toBe('2');
    expect(res.acked.length).toBeGreaterThan(40);
    await expectOnAll(res.acked);
  }, 1_200_000);

  it('kill -9 of one node: the others keep acknowledging writes, it rejoins by IST, a re-apply changes nothing', async () => {
    const w = await writer('kill', 100_000, [0, 1]);
    await until('writer running', w.count, (n) => n > 20, 60);
    const killedAt = Date.now() / 1000;
    expect((await lab.ssh(db.name(2), 'systemctl kill -s KILL mariadb')).code).toBe(0);
    // Debian's unit restarts a crashed server (Restart=on-abnormal); it finds its position and
    // asks a donor for the writes it missed.
    await until(
      'killed node Synced again',
      () => db.synced(2, 3),
      (v) => v,
      180,
    );
    const rejoinedAt = Date.now() / 1000;
    const before = await w.count();
    await until('writes after the rejoin', w.count, (n) => n > before + 20, 60);
    const res = await w.stop();
    const during = res.acked.filter((id) => res.at.get(id)! > killedAt && res.at.get(id)! < rejoinedAt);
    expect(during.length, 'rows acknowledged while the node was away').toBeGreaterThan(0);
    const log = await db.journal(2, killedAt);
    // IST: the writes it missed came as writesets. The SST script still runs, as a bypass (the
    // donor sends its position, no data); its own "Running IST" line is not always written.
    expect(log).toMatch(/WSREP: Receiving IST: \d+ writesets/);
    expect(log).not.toMatch(/Proceeding with SST|Preparing the backup at/);
    await expectOnAll(res.acked);
    const r = await apply();
    expect(changedOf(r.stdout)).toEqual([]);
  }, 900_000);

  it("writes through the SQL proxy's virtual IP go to one Synced node; kill -9 of that node: they move to the next, every acknowledged row kept", async () => {
    // Every connection goes to the first Synced node of the group (the proxy's synced check).
    expect(await until('the VIP leads to the first node', throughVip, (v) => v === db.name(0), 60)).toBe(db.name(0));
    const w = await db.startWriter(0, [vip], { start: 150_000, user: site.db_user, password: appPassword, db: site.db_name, table: 'acked', tag: 'proxy', port: 3307 });
    await until('writer running through the VIP', w.count, (n) => n > 20, 60);
    const killedAt = Date.now() / 1000;
    expect((await lab.ssh(db.name(0), 'systemctl kill -s KILL mariadb')).code).toBe(0);
    // The proxy's check fails on the dead node; the next Synced node takes the connections.
    expect(await until('the VIP leads to the second node', throughVip, (v) => v === db.name(1), 60)).toBe(db.name(1));
    const atSwitch = await w.count();
    await until('writes through the VIP after the switch', w.count, (n) => n > atSwitch + 20, 60);
    await until(
      'killed node Synced again',
      () => db.synced(0, 3),
      (v) => v,
      180,
    );
    const res = await w.stop();
    const after = res.acked.filter((id) => res.at.get(id)! > killedAt);
    expect(after.length).toBeGreaterThan(20);
    const times = [killedAt, ...after.map((id) => res.at.get(id)!)];
    const outage = Math.max(...times.slice(1).map((t, k) => t - times[k]!));
    console.log(`SQL proxy (synced check): longest time without an acknowledged write after kill -9 of the node it led to: ${outage.toFixed(1)} s`);
    await expectOnAll(res.acked);
  }, 600_000);

  it('all three down (one stopped cleanly, two killed): wpha db recover bootstraps the most advanced node, no acknowledged row is lost', async () => {
    // Debian's unit would restart a killed server (and Galera could then re-form by itself):
    // off for this drill, as when hosts come back after a power loss one by one.
    for (const i of [0, 1, 2])
      await lab.ssh(
        db.name(i),
        "mkdir -p /run/systemd/system/mariadb.service.d && printf '[Service]\\nRestart=no\\n' > /run/systemd/system/mariadb.service.d/wpha-test.conf && systemctl daemon-reload",
      );
    const w = await writer('recover', 200_000, [1]);
    await until('writer running', w.count, (n) => n > 50, 60);
    expect((await lab.ssh(db.name(2), 'systemctl stop mariadb')).code).toBe(0);
    const afterStop = await w.count();
    await until('writes after the clean stop', w.count, (n) => n > afterStop + 50, 60);
    await Promise.all([0, 1].map((i) => lab.ssh(db.name(i), 'systemctl kill -s KILL mariadb')));
    const res = await w.stop();
    for (const i of [0, 1, 2]) expect((await lab.ssh(db.name(i), 'systemctl is-active mariadb')).stdout.trim()).not.toBe('active');

    const dry = await runWpha(['db', 'recover', '-i', inv, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Plan (dry run: nothing is changed):');
    for (const i of [0, 1, 2]) expect((await lab.ssh(db.name(i), 'systemctl is-active mariadb')).stdout.trim()).not.toBe('active');
    // Positions as the nodes reported them: the two killed ones from InnoDB, the stopped one from grastate.dat.
    const seqno = (i: number) => Number(new RegExp(`^  ${db.name(i)}\\s+stopped\\s+seqno (\\d+) \\((wsrep-recover|grastate\\.dat)\\)`, 'm').exec(dry.stdout)?.[1]);
    expect(dry.stdout).toMatch(new RegExp(`^  ${db.name(2)}\\s+stopped\\s+seqno \\d+ \\(grastate\\.dat\\)`, 'm'));
    expect(seqno(2)).toBeLessThan(seqno(1));
    const chosen = /^"([^"]+)" holds the most advanced position/m.exec(dry.stdout)?.[1];
    const best = Math.max(seqno(0), seqno(1), seqno(2));
    expect(seqno(lab.hosts.findIndex((h) => h.name === chosen))).toBe(best);

    const down = await runWpha(['db', 'status', '-i', inv]);
    expect(down.code, down.stdout).toBe(1);
    expect(down.stdout).toContain(': down');
    const r = await runWpha(['db', 'recover', '-i', inv], { timeoutMs: 900_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`${chosen}: bootstrap a new primary component from seqno ${best}`);
    expect(r.stdout).toContain('Recovered: every data node is Synced in one primary component.');
    for (const i of [0, 1, 2]) expect(await db.synced(i, 3)).toBe(true);
    await expectOnAll(res.acked);
    const healthy = await runWpha(['db', 'status', '-i', inv]);
    expect(healthy.code, healthy.stdout).toBe(0);
    expect(healthy.stdout.split('\n')[0]).toMatch(/: healthy$/);
    for (const i of [0, 1, 2]) await lab.ssh(db.name(i), 'rm -f /run/systemd/system/mariadb.service.d/wpha-test.conf && systemctl daemon-reload');
    const again = await apply();
    expect(changedOf(again.stdout)).toEqual([]);
  }, 900_000);

  it('two data nodes and an arbitrator (a whole-cluster restart switches TLS off): losing a data node leaves the other one taking writes', async () => {
    // garbd has no certificate: the cluster leaves TLS, which takes a whole-cluster restart. The
    // nodes stop cleanly (the first one last), the third host leaves the data nodes for garbd.
    for (const i of [2, 1, 0]) expect((await lab.ssh(db.name(i), 'systemctl stop mariadb')).code).toBe(0);
    expect((await lab.ssh(db.name(2), 'systemctl disable mariadb')).code).toBe(0);
    inv = writeInventory({ galera_applier_threads: 2, galera_tls: false }, true);
    // apply writes the new settings but starts no cluster of nodes that were members.
    const stopped = await apply();
    expect(stopped.code).not.toBe(0);
    expect(
      failedOf(stopped.stdout)
        .filter((f) => f.includes('member of the Galera cluster'))
        .map((f) => f.split(' ')[0])
        .sort(),
    ).toEqual([db.name(0), db.name(1)].sort());
    expect(failedOf(stopped.stdout).join('\n')).toContain('wpha db recover');
    const r = await runWpha(['db', 'recover', '-i', inv], { timeoutMs: 900_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`${db.name(2)}: restart the arbitrator (garbd)`);
    const converged = await apply();
    expect(failedOf(converged.stdout)).toEqual([]);
    expect((await lab.ssh(db.name(2), 'systemctl is-active garb')).stdout.trim()).toBe('active');
    // Two data nodes and garbd: a cluster of three members, without TLS now.
    for (const i of [0, 1])
      expect(
        await until(
          `${db.name(i)} in a cluster of 3`,
          () => db.synced(i, 3),
          (v) => v,
          120,
        ),
      ).toBe(true);
    expect(await db.journal(1, Date.now() / 1000 - 600)).toMatch(/connection established to \S+ tcp:\/\//);
    expect((await runWpha(['db', 'status', '-i', inv])).code).toBe(0);
    expect(changedOf((await apply()).stdout)).toEqual([]);

    await lab.ssh(db.name(1), "mkdir -p /run/systemd/system/mariadb.service.d && printf '[Service]\\nRestart=no\\n' > /run/systemd/system/mariadb.service.d/wpha-test.conf && systemctl daemon-reload");
    const w = await writer('garbd', 300_000, [0]);
    await until('writer running', w.count, (n) => n > 20, 60);
    const killedAt = Date.now() / 1000;
    expect((await lab.ssh(db.name(1), 'systemctl kill -s KILL mariadb')).code).toBe(0);
    // The survivor and garbd are 2 of 3 votes: it stays primary and keeps acknowledging writes.
    const s0 = await until(
      'survivor in a primary component of 2',
      () => db.status(0),
      (s) => s.wsrep_cluster_size === '2' && s.wsrep_cluster_status === 'Primary',
      60,
    );
    expect(s0.wsrep_local_state_comment).toBe('Synced');
    const atEviction = await w.count();
    await until('writes after the eviction', w.count, (n) => n > atEviction + 20, 60);
    const degraded = await runWpha(['db', 'status', '-i', inv]);
    expect(degraded.code, degraded.stdout).toBe(2);
    const res = await w.stop();
    expect(res.acked.filter((id) => res.at.get(id)! > killedAt).length).toBeGreaterThan(20);
    await lab.ssh(db.name(1), 'rm -f /run/systemd/system/mariadb.service.d/wpha-test.conf && systemctl daemon-reload && systemctl start mariadb');
    for (const i of [0, 1])
      await until(
        `${db.name(i)} Synced in a cluster of 3`,
        () => db.synced(i, 3),
        (v) => v,
        180,
      );
    for (const i of [0, 1]) expect(missing(res.acked, await ids(i)), `acknowledged rows missing on ${db.name(i)}`).toEqual([]);
    expect(changedOf((await apply()).stdout)).toEqual([]);
  }, 1_200_000);
});
