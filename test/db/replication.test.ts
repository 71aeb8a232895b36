/**
 * A MariaDB replication group on five fresh lab hosts: db1..db3 (mariadb; db3 in a standby
 * region), the SQL proxy and its VIP on db1 and db2 (sql_proxy, keepalived), a web node running
 * WordPress against the SQL VIP (it is also the writing client), a front server (haproxy,
 * keepalived) with the site's VIP. Proven in order, on the same hosts:
 *  - from scratch: a primary, two replicas seeded by a mariabackup stream, replicating over
 *    verified TLS with semi-sync; the proxy sends to the primary; WordPress answers;
 *  - rows written through the SQL VIP reach every replica; the site's user cannot write on a
 *    replica (read_only), has no global privilege, root cannot log in over TCP;
 *  - the second apply changes nothing;
 *  - `db promote --to db2` (a dry run changes nothing), and apply leaves the promotion alone;
 *  - failover: a client inserts numbered rows through the VIP and a loop requests uncached pages
 *    through the front VIP; the primary's mariadbd is killed (-9) and its host cut off;
 *    `db failover` promotes a replica; every acknowledged row is on it; the client writes again
 *    through the same VIP; the site serves again (the switch window is measured and printed);
 *  - the old primary, back on the network, becomes a replica through a plain apply (no errant
 *    GTID), then apply changes nothing;
 *  - two regions: the primary region cut off, `db failover --to-region dr` refuses without
 *    --accept-data-loss, then promotes db3 and runs the switch command; the old region's hosts
 *    rejoin as replicas of db3 through apply.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { until } from '../helpers/until.js';
import { stopwatch } from '../helpers/stopwatch.js';
import { changedOf, failedOf, hostDone, jsonEvents, runWpha } from '../helpers/wpha-cli.js';
import { lostAcked, outageWindow, parseHttpLog, parseWriterLog, unexpectedRows, writeGap } from '../../src/bench/db-drill.js';
import { quote } from '../../src/shell/quote.js';
import { drillTools } from './replication-lab.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labVars = (group: string) => parse(readFileSync(path.join(root, 'inventories/lab/group_vars', `${group}.yaml`), 'utf8')) as Record<string, unknown>;
const SITE = 'shop.lab';
// The home page with a query string: never from nginx's cache, so every request reaches PHP and
// the database (a page served from the cache would hide a database outage).
const PAGE = '/?wpha_probe=';
const APP = { user: 'wp_shop', db: 'wp_shop', password: String((labVars('all').wordpress_db_passwords as Record<string, string>).shop) };

describe('MariaDB replication group behind the SQL proxy VIP, WordPress in front', () => {
  let lab: LabHosts;
  let inv: string;
  let sqlVip: string;
  let webVip: string;
  let addr: Record<string, string>;
  let tools: ReturnType<typeof drillTools>;
  const [db1, db2, db3, web, front] = ['db1', 'db2', 'db3', 'web', 'front'];
  const n: Record<string, string> = {};
  const { seconds, timed } = stopwatch();
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    lab = await timed('acquire 5 hosts', () => acquireLabHosts(5, 'dbrepl'));
    [db1, db2, db3, web, front].forEach((k, i) => (n[k] = lab.hosts[i]!.name));
    addr = Object.fromEntries([db1, db2, db3, web, front].map((k, i) => [k, lab.hosts[i]!.address]));
    sqlVip = lab.reserveAddress();
    webVip = lab.reserveAddress();
    tools = drillTools(lab);
    // The lab inventory's replication settings go to every database host; its proxy and VIP
    // settings to the two that carry the SQL VIP.
    const ha = labVars('db_ha');
    const replication = Object.fromEntries(Object.entries(ha).filter(([k]) => k.startsWith('mariadb_')));
    inv = writeLabInventory(lab, {
      groups: {
        all: { roles: ['common'] },
        db: { hosts: [0, 1, 2], roles: ['mariadb'], vars: { ...labVars('db'), ...replication, mariadb_proxy_group: 'db_ha', mariadb_replication_wait: 900 } },
        db_ha: {
          hosts: [0, 1],
          roles: ['sql_proxy', 'keepalived'],
          vars: {
            sql_proxy_backend_group: 'db',
            keepalived_group: 'db_ha',
            keepalived_vips: [`${sqlVip}/24`],
            keepalived_router_id: Number(sqlVip.split('.')[3]),
            keepalived_interface: 'host0',
            keepalived_track_process: '',
            keepalived_track_url: 'http://127.0.0.1:8405/healthz',
            keepalived_auth_pass: 'lab-vrrp',
            common_firewall_extra_rules: [`ip saddr { ${addr[db1]}, ${addr[db2]} } ip protocol vrrp accept`],
          },
        },
        web: { hosts: [3], roles: ['php_fpm', 'nginx', 'wordpress'], vars: { ...labVars('web'), wordpress_db_host: `${sqlVip}:3307` } },
        redis: { hosts: [3], roles: ['redis'], vars: labVars('redis') },
        front: {
          hosts: [4],
          roles: ['haproxy', 'keepalived'],
          vars: { ...labVars('front'), keepalived_vips: [`${webVip}/24`], keepalived_router_id: Number(webVip.split('.')[3]), common_firewall_extra_rules: [] },
        },
      },
      hostVars: { [n[db1]!]: { mariadb_region: 'main' }, [n[db2]!]: { mariadb_region: 'main' }, [n[db3]!]: { mariadb_region: 'dr' } },
      vars: labVars('all'),
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
    process.stderr.write(`[db-replication] times (s): ${JSON.stringify(seconds)}\n[db-replication] figures: ${JSON.stringify(figures)}\n`);
  });

  const apply = () => runWpha(['apply', '-i', inv, '--json'], { timeoutMs: 1_800_000 });
  const db = (args: string[]) => runWpha(['db', ...args, '-i', inv, '--connect-timeout', '3'], { timeoutMs: 300_000 });
  const readOnly = async (k: string) => (await tools.sql(n[k]!, 'SELECT @@read_only')) === '1';
  /** PHP (mysqli) on the web node, as the site's user, against server:port. */
  const php = (server: string, port: number, code: string) =>
    lab.ssh(
      n[web]!,
      `WPHA_PW="$(cat)" php -r ${quote(`mysqli_report(MYSQLI_REPORT_OFF); $m = @mysqli_connect('${server}', '${APP.user}', getenv('WPHA_PW'), '${APP.db}', ${port}); if (!$m) { echo 'connect ', mysqli_connect_errno(); exit(1); } ${code}`)}`,
      { input: APP.password },
    );

  const ids = async (k: string) => (await tools.sql(n[k]!, 'SELECT id FROM wp_shop.drill ORDER BY id')).split('\n').filter(Boolean).map(Number);
  const statusUntilHealthy = (primary: string) =>
    until(
      `db status healthy with ${primary} primary`,
      () => db(['status']),
      (r) => r.code === 0 && r.stdout.includes(`healthy, primary ${n[primary]}`),
      60,
    );

  it('applies from scratch: a primary, two replicas seeded and replicating over verified TLS, the proxy on the VIP, WordPress answering', async () => {
    const r = await timed('apply from scratch', apply);
    expect(failedOf(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    const status = await statusUntilHealthy(db1);
    expect(status.stdout).toMatch(new RegExp(`${n[db1]}\\s+main\\s+primary\\s+OFF`));
    for (const k of [db2, db3]) {
      const s = await lab.ssh(n[k]!, "mariadb -E -e 'SHOW SLAVE STATUS' | grep -E '^ *(Master_Host|Slave_IO_Running|Slave_SQL_Running|Master_SSL_Verify_Server_Cert|Using_Gtid):' | sed 's/^ *//'");
      expect(s.stdout.trim().split('\n')).toEqual([`Master_Host: ${addr[db1]}`, 'Slave_IO_Running: Yes', 'Slave_SQL_Running: Yes', 'Master_SSL_Verify_Server_Cert: Yes', 'Using_Gtid: Slave_Pos']);
      // Seeded from a copy of the primary (the stream's position file stays in the data folder).
      expect((await lab.ssh(n[k]!, 'test -f /var/lib/mysql/xtrabackup_binlog_info && echo seeded')).stdout.trim()).toBe('seeded');
      expect(await readOnly(k)).toBe(true);
    }
    expect(
      await tools.sql(
        n[db1]!,
        "SELECT @@rpl_semi_sync_master_enabled, @@rpl_semi_sync_master_wait_point, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS')",
      ),
    ).toBe('1\tAFTER_SYNC\t2');
    expect(await tools.sql(n[db1]!, "SELECT DISTINCT ssl_type FROM mysql.user WHERE User = 'wpha_repl'")).toBe('ANY');
    // Every node is read-only in its file: only the primary was opened, at runtime.
    for (const k of [db1, db2, db3]) expect((await lab.ssh(n[k]!, 'grep -c "^read_only = ON$" /etc/mysql/mariadb.conf.d/60-wpha.cnf')).stdout.trim()).toBe('1');
    // HAProxy puts a web node in once its health check (the page checks PHP and the database
    // through the SQL VIP) passed `rise` times: right after the apply it can still answer 503.
    const page = () => lab.ssh(n[front]!, `curl -s -o /dev/null -w '%{http_code}' -H 'Host: ${SITE}' 'http://${webVip}${PAGE}1'`).then((r) => r.stdout);
    expect(await until('WordPress answering through the web VIP', page, (code) => code === '200', 30)).toBe('200');
  });

  it('rows written through the SQL VIP reach every replica; the site user cannot write on a replica', async () => {
    const w = await php(
      sqlVip,
      3307,
      "mysqli_query($m, 'CREATE TABLE IF NOT EXISTS drill (id INT PRIMARY KEY)'); for ($i = 1; $i <= 100; $i++) { if (!mysqli_query($m, \"INSERT INTO drill VALUES ($i)\")) { echo mysqli_errno($m); exit(1); } } echo mysqli_query($m, 'SELECT @@hostname')->fetch_row()[0];",
    );
    expect([w.code, w.stdout]).toEqual([0, n[db1]]);
    for (const k of [db1, db2, db3])
      await until(
        `100 rows on ${k}`,
        () => tools.sql(n[k]!, 'SELECT COUNT(*) FROM wp_shop.drill'),
        (v) => v === '100',
        30,
      );
    const refused = await php(addr[db2]!, 3306, "if (mysqli_query($m, 'INSERT INTO drill VALUES (101)')) { echo 'written'; } else { echo mysqli_errno($m), ' ', mysqli_error($m); }");
    expect(refused.stdout).toBe('1290 The MariaDB server is running with the --read-only option so it cannot execute this statement');
    const grants = await tools.sql(n[db1]!, `SHOW GRANTS FOR '${APP.user}'@'${addr[web]}'`);
    expect(grants).toMatch(/^GRANT USAGE ON \*\.\* TO `wp_shop`@/);
    expect(grants).not.toMatch(/SUPER|READ_ONLY ADMIN|ALL PRIVILEGES/);
    // root has no account reachable over TCP.
    const root = await lab.ssh(n[db2]!, `mariadb -h ${addr[db1]} -u root -e 'SELECT 1' 2>&1`);
    expect(root.stdout).toContain('Access denied');
  });

  it('a second apply changes nothing', async () => {
    const r = await timed('second apply', apply);
    expect(changedOf(r.stdout)).toEqual([]);
    for (const k of [db1, db2, db3, web, front]) expect(hostDone(jsonEvents(r.stdout), n[k]!)?.recap).toMatchObject({ changed: 0, failed: 0 });
  });

  it('promote --to db2: the dry run changes nothing, the switch-over moves the primary, apply leaves it there', async () => {
    const dry = await db(['promote', '--to', n[db2]!, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`[1/7] ${n[db1]}: fence the primary`);
    expect(await readOnly(db1)).toBe(false);
    const r = await timed('db promote', () => db(['promote', '--to', n[db2]!]));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`"${n[db2]}" is the primary`);
    await statusUntilHealthy(db2);
    const again = await apply();
    expect(changedOf(again.stdout)).toEqual([]);
    expect([await readOnly(db1), await readOnly(db2)]).toEqual([true, false]);
  });

  it('failover: the primary killed and cut off, every acknowledged row on the new primary, writes and pages served again', async () => {
    const writer = await tools.startWriter(n[web]!, { host: sqlVip, port: 3307, ...APP, table: 'drill', start: 1000, tag: 'failover' });
    const http = await tools.startHttpLoop(n[front]!, `http://${webVip}${PAGE}`, SITE);
    await until(
      'writer acknowledging',
      async () => parseWriterLog(await writer.log()).acked.length,
      (c) => c >= 200,
      120,
    );
    await lab.ssh(n[db2]!, 'systemctl kill -s KILL mariadb');
    // Acknowledgements end with the kill: time from when it was done.
    const killedAt = Date.now() / 1000;
    await tools.cut(n[db2]!);
    const dry = await db(['failover', '--dry-run']);
    expect(dry.code).toBe(0);
    const r = await timed('db failover', () => db(['failover']));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No acknowledged transaction is lost');
    // db1 and db3 hold the same; the old primary's region is preferred.
    expect(r.stdout).toContain(`Failover of group "db": ${n[db2]} -> ${n[db1]}`);
    const promotedAt = Date.now() / 1000;
    await until(
      'writes acknowledged again',
      async () => parseWriterLog(await writer.log()).acked.filter((a) => a.at > promotedAt).length,
      (c) => c >= 100,
      120,
    );
    await until(
      'pages served again',
      async () =>
        (await lab.ssh(n[front]!, 'tail -n 5 /root/http-loop/log')).stdout
          .trim()
          .split('\n')
          .map((l) => l.split(' ')[1]),
      (v) => v.length === 5 && v.every((s) => s === '200'),
      120,
    );
    const log = parseWriterLog(await writer.stop());
    const pages = parseHttpLog(await http.stop());
    const present = await ids(db1);
    expect(lostAcked(log, present)).toEqual([]);
    expect(
      unexpectedRows(
        log,
        present.filter((id) => id >= 1000),
      ),
    ).toEqual([]);
    const gap = writeGap(log, killedAt);
    const window = outageWindow(pages);
    figures.failover = {
      acked: log.acked.length,
      ambiguous: log.ambiguous.length,
      lost: 0,
      killToFirstWriteSeconds: gap ? +(gap.firstAfter - killedAt).toFixed(2) : null,
      failoverCommandSeconds: seconds['db failover'],
      pageOutage: window ? { seconds: +window.seconds.toFixed(2), failedRequests: window.failed, requests: pages.length } : 'none',
    };
    process.stderr.write(`[db-replication] failover: ${JSON.stringify(figures.failover)}\n`);
    // Apart from the switch window, the site served: every request after it got a 200.
    const after = pages.filter((p) => !window || p.at > window.to);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((p) => p.status === 200)).toBe(true);
  }, 900_000);

  it('the old primary, back on the network, becomes a replica through apply (no errant GTID)', async () => {
    await tools.reconnect(n[db2]!);
    const r = await timed('apply: old primary rejoins', apply);
    expect(failedOf(r.stdout)).toEqual([]);
    expect(changedOf(r.stdout)).toContain(`${n[db2]} member of the replication group`);
    await statusUntilHealthy(db1);
    // It replicated what was written while it was away, acknowledged rows included.
    const onPrimary = await ids(db1);
    expect(
      await until(
        'the old primary caught up',
        () => ids(db2),
        (v) => v.length === onPrimary.length,
        60,
      ),
    ).toEqual(onPrimary);
    const last = await apply();
    expect(changedOf(last.stdout)).toEqual([]);
  });

  it('two regions: the primary region lost, failover --to-region dr refuses without --accept-data-loss, then promotes db3 and runs the switch command', async () => {
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-switch-')), 'switched');
    const hook = `printf '%s %s %s' "$WPHA_DB_PRIMARY" "$WPHA_DB_PRIMARY_ADDRESS" "$WPHA_DB_REGION" > ${marker}`;
    await lab.ssh(n[db1]!, 'systemctl kill -s KILL mariadb');
    await tools.cut(n[db1]!);
    await tools.cut(n[db2]!);
    const refused = await db(['failover', '--to-region', 'dr', '--switch-command', hook]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`Refusing to fail over to "${n[db3]}"`);
    expect(refused.stderr).toContain('Nothing was changed');
    expect(existsSync(marker)).toBe(false);
    expect(await readOnly(db3)).toBe(true);
    const r = await timed('db failover --to-region', () => db(['failover', '--to-region', 'dr', '--switch-command', hook, '--accept-data-loss']));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe(`${n[db3]} ${addr[db3]} dr`);
    expect(await readOnly(db3)).toBe(false);
    const w = await php(addr[db3]!, 3306, "echo mysqli_query($m, 'INSERT INTO drill VALUES (999999)') ? 'ok' : mysqli_errno($m);");
    expect(w.stdout).toBe('ok');
    await tools.reconnect(n[db1]!);
    await tools.reconnect(n[db2]!);
    const back = await timed('apply: the old region rejoins', apply);
    expect(failedOf(back.stdout)).toEqual([]);
    expect(changedOf(back.stdout)).toEqual(expect.arrayContaining([`${n[db1]} member of the replication group`, `${n[db2]} member of the replication group`]));
    // db3 was promoted alone (semi-sync off: nobody to acknowledge); with replicas connected,
    // the next apply turns it on, and nothing else.
    const semi = await apply();
    expect(changedOf(semi.stdout).filter((c) => c !== `${n[db3]} member of the replication group`)).toEqual([]);
    await statusUntilHealthy(db3);
    for (const k of [db1, db2])
      await until(
        `row on ${k}`,
        () => tools.sql(n[k]!, 'SELECT COUNT(*) FROM wp_shop.drill WHERE id = 999999'),
        (v) => v === '1',
        30,
      );
    const last = await apply();
    expect(changedOf(last.stdout)).toEqual([]);
  });
});
