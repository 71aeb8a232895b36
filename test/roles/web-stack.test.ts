/**
 * The web-stack roles (common, php_fpm, nginx, wordpress, mariadb, redis) on two fresh lab hosts:
 * one web node and one database + Redis host, with the lab inventory's own variables. From
 * scratch to a cached WordPress page, a second apply that changes nothing, the object cache in
 * Redis, a refused nginx config, and the firewall seen from other hosts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { stopwatch } from '../helpers/stopwatch.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labVars = (group: string) => parse(readFileSync(path.join(root, 'inventories/lab/group_vars', `${group}.yaml`), 'utf8')) as Record<string, unknown>;
const SITE = 'shop.lab';
const TITLE = 'Lab Shop';
const REDIS_PASSWORD = labVars('all').redis_password as string;

describe('web stack roles on fresh lab hosts (1 web + 1 db)', () => {
  let lab: LabHosts;
  let invDir: string;
  let web: { name: string; address: string };
  let db: { name: string; address: string };
  const { seconds, timed } = stopwatch();
  /** GET through the web node's nginx, from the database host (a cluster member). */
  const get = async (urlPath: string, extra = '') => {
    const r = await lab.ssh(
      db.name,
      `curl -s -o /tmp/body -D /tmp/head -w '%{http_code}' -H 'Host: ${SITE}' ${extra} 'http://${web.address}${urlPath}'; echo; grep -i '^x-cache:' /tmp/head | tr -d '\\r'; grep -o '<title>[^<]*' /tmp/body | head -1`,
    );
    const [status, ...rest] = r.stdout.split('\n');
    return {
      status: Number(status),
      xcache:
        rest
          .find((l) => /^x-cache:/i.test(l))
          ?.split(':')[1]
          ?.trim() ?? '',
      title: rest.find((l) => l.startsWith('<title>'))?.slice(7) ?? '',
    };
  };
  /** Whether `from` (a host name, or "controller") can open a TCP connection to address:port within 3 s. */
  const canConnect = async (from: string, address: string, port: number): Promise<boolean> => {
    const probe = `timeout 3 bash -c 'exec 3<>/dev/tcp/${address}/${port}' 2>/dev/null && echo open || echo closed`;
    if (from === 'controller') {
      const { execa } = await import('execa');
      return (await execa('bash', ['-c', probe], { reject: false })).stdout.trim() === 'open';
    }
    return (await lab.ssh(from, probe)).stdout.trim() === 'open';
  };

  beforeAll(async () => {
    lab = await timed('acquire 2 hosts', () => acquireLabHosts(2, 'webstack'));
    [web, db] = lab.hosts as [typeof web, typeof db];
    invDir = writeLabInventory(lab, {
      groups: {
        all: { roles: ['common'] },
        web: { hosts: [web.name], roles: ['php_fpm', 'nginx', 'wordpress'], vars: labVars('web') },
        db: { hosts: [db.name], roles: ['mariadb'], vars: labVars('db') },
        redis: { hosts: [db.name], roles: ['redis'], vars: labVars('redis') },
      },
      // The deploy user gets the lab's key, so the test can log in as that user.
      vars: { ...labVars('all'), common_deploy_keys: [readFileSync(`${lab.key}.pub`, 'utf8').trim()] },
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
    process.stderr.write(`[web-stack] times (s): ${JSON.stringify(seconds)}\n`);
  });

  it('applies from scratch on both hosts', async () => {
    // Package installs are CPU-bound: on a busy 2-core machine this took up to 9 minutes.
    const r = await timed('apply from scratch', () => runWpha(['apply', '-i', invDir, '--json'], { timeoutMs: 1_500_000 }));
    const events = jsonEvents(r.stdout);
    const failed = tasksOf(events).filter((t) => t.status === 'failed');
    expect(failed.map((t) => `${t.host} ${t.task}: ${t.error}`)).toEqual([]);
    expect(r.code).toBe(0);
    for (const h of [web, db]) expect(hostDone(events, h.name)?.recap).toMatchObject({ failed: 0, unreachable: false });
    // Lab limitations are warnings, not failures: a read-only kernel setting, no time sync in a container.
    const swappiness = tasksOf(events, web.name).find((t) => t.task === 'kernel settings (vm.swappiness)');
    expect(swappiness?.status).toBe('changed');
    expect(swappiness?.warnings.join(' ')).toMatch(/not applied: \/proc\/sys is read-only/);
    expect(tasksOf(events, web.name).find((t) => t.task === 'time sync running')?.status).toBe('skipped');
  }, 1_600_000);

  it('serves the site title, then the same page from the cache', async () => {
    const first = await get('/');
    expect(first).toMatchObject({ status: 200, title: TITLE });
    expect(['MISS', 'HIT', 'EXPIRED']).toContain(first.xcache);
    const second = await get('/');
    expect(second).toMatchObject({ status: 200, title: TITLE, xcache: 'HIT' });
    // A HEAD request first must not cache an empty page (PHP sends no body for HEAD).
    const purge = await lab.ssh(db.name, `curl -s -o /dev/null -w '%{http_code}' -H 'Host: ${SITE}' http://${web.address}/purge/`);
    expect(purge.stdout).toBe('200');
    const head = await lab.ssh(db.name, `curl -s -I -H 'Host: ${SITE}' http://${web.address}/ | grep -i '^x-cache' | tr -d '\\r'`);
    expect(head.stdout).toMatch(/^X-Cache: (MISS|BYPASS)$/i);
    expect(await get('/')).toMatchObject({ status: 200, title: TITLE });
    expect(await get('/')).toMatchObject({ status: 200, title: TITLE, xcache: 'HIT' });
    // Pretty links work for taxonomies too (rewrite rules flushed in a second process).
    expect((await get('/category/uncategorized/')).status).toBe(200);
  });

  it('never answers a cart cookie or the checkout from the cache', async () => {
    await get('/'); // the home page is cached
    for (let i = 0; i < 2; i++) {
      const cart = await get('/', '-b woocommerce_items_in_cart=1');
      expect(cart.status).toBe(200);
      expect(['BYPASS', 'MISS']).toContain(cart.xcache);
      const checkout = await get('/checkout/');
      expect(['BYPASS', 'MISS']).toContain(checkout.xcache);
    }
  });

  it('changes nothing on the second apply, in one round trip per host', async () => {
    const r = await timed('second apply', () => runWpha(['apply', '-i', invDir, '--json']));
    expect(r.code).toBe(0);
    const events = jsonEvents(r.stdout);
    expect(
      tasksOf(events)
        .filter((t) => t.status !== 'ok' && t.status !== 'skipped')
        .map((t) => `${t.host} ${t.task} ${t.status}`),
    ).toEqual([]);
    for (const h of [web, db]) {
      const done = hostDone(events, h.name);
      expect(done?.recap).toMatchObject({ changed: 0, failed: 0 });
      expect(done?.roundTrips).toBe(1);
    }
  });

  it('keeps WordPress objects in Redis through the drop-in', async () => {
    const php = `var_export([wp_using_ext_object_cache(), $GLOBALS['wp_object_cache']->is_connected(), get_bloginfo('name')]);`;
    const r = await lab.ssh(web.name, `cd /tmp && runuser -u www-data -- env WORDPRESS_CONFIG=shop WPHA_DOMAIN=${SITE} php /usr/local/lib/wpha/wp-eval.php "$(cat)"`, { input: php });
    expect(r.stdout.replace(/\s+/g, ' ')).toBe(`array ( 0 => true, 1 => true, 2 => '${TITLE}', )`);
    const keys = await lab.ssh(db.name, `redis-cli --no-auth-warning -a "$(cat)" --scan --pattern 'shop:*' | wc -l`, { input: REDIS_PASSWORD });
    expect(Number(keys.stdout)).toBeGreaterThan(10);
  });

  it('runs WP-Cron from its timer', async () => {
    const r = await lab.ssh(
      web.name,
      'systemctl start wpha-wp-cron-shop.service; systemctl show -p Result --value wpha-wp-cron-shop.service; systemctl is-active wpha-wp-cron-shop.timer; journalctl -q -u wpha-wp-cron-shop.service | grep -c -i -E "warning|error|fatal"',
    );
    expect(r.stdout.split('\n')).toEqual(['success', 'active', '0']);
  });

  it("a site no longer listed loses its cron timer; the listed site's timer and a timer made by hand stay", async () => {
    // A site an earlier apply set up and the inventory has since dropped: the shop's own units,
    // as wpha wrote them, under another site's name. And a timer with the prefix made by hand.
    await lab.ssh(
      web.name,
      [
        'cd /etc/systemd/system',
        'sed s/wpha-wp-cron-shop/wpha-wp-cron-gone/g wpha-wp-cron-shop.timer > wpha-wp-cron-gone.timer',
        'sed s/WORDPRESS_CONFIG=shop/WORDPRESS_CONFIG=gone/ wpha-wp-cron-shop.service > wpha-wp-cron-gone.service',
        "printf '[Timer]\\nOnCalendar=daily\\n' > wpha-wp-cron-byhand.timer",
        'systemctl daemon-reload && systemctl enable --now -q wpha-wp-cron-gone.timer',
      ].join(' && '),
    );
    expect((await lab.ssh(web.name, 'systemctl is-active wpha-wp-cron-gone.timer')).stdout).toBe('active');
    const r = await runWpha(['apply', '-i', invDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const pruned = tasksOf(jsonEvents(r.stdout), web.name).find((t) => t.task === 'cron timers of removed sites');
    expect(pruned).toMatchObject({ status: 'changed', summary: ['remove timer wpha-wp-cron-gone (no longer listed)'] });
    const left = await lab.ssh(web.name, 'cd /etc/systemd/system && ls wpha-wp-cron-*; systemctl is-active wpha-wp-cron-shop.timer; systemctl is-active wpha-wp-cron-gone.timer || true');
    expect(left.stdout.split('\n')).toEqual(['wpha-wp-cron-byhand.timer', 'wpha-wp-cron-shop.service', 'wpha-wp-cron-shop.timer', 'active', 'inactive']);
    await lab.ssh(web.name, 'rm /etc/systemd/system/wpha-wp-cron-byhand.timer && systemctl daemon-reload');
  });

  it("passes the drop-in's own PHP test against the Redis server", async () => {
    const script = readFileSync(path.join(root, 'test/roles/object-cache-test.php'), 'utf8');
    await lab.ssh(web.name, 'cat > /tmp/object-cache-test.php', { input: script });
    const r = await lab.ssh(web.name, `REDIS_HOST=${db.address} REDIS_PASSWORD="$(cat)" php /tmp/object-cache-test.php /var/lib/wordpress/wp-content/object-cache.php`, { input: REDIS_PASSWORD });
    expect(r.stdout).not.toContain('not ok');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('ok - ')).length).toBeGreaterThanOrEqual(25);
    expect(r.stdout).toContain('all passed');
    expect(r.code).toBe(0);
  });

  it('refuses an nginx config that nginx -t rejects, and keeps serving', async () => {
    const live = '/etc/nginx/sites-enabled/shop.conf';
    const before = (await lab.ssh(web.name, `sha256sum ${live}`)).stdout;
    const r = await runWpha(['apply', '-i', invDir, '--json', '-e', 'nginx_site_extra=no_such_directive on;']);
    expect(r.code).toBe(1);
    const failed = tasksOf(jsonEvents(r.stdout)).filter((t) => t.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ host: web.name, role: 'nginx' });
    expect(failed[0]!.error).toMatch(/unknown directive "no_such_directive"/);
    expect(failed[0]!.error).toMatch(/test failed/);
    expect((await lab.ssh(web.name, `sha256sum ${live}; systemctl is-active nginx`)).stdout).toBe(`${before}\nactive`);
    expect(await get('/')).toMatchObject({ status: 200, title: TITLE });
  });

  it('hardens SSH and lets the deploy user in with its key and sudo', async () => {
    const r = await lab.ssh(web.name, "sshd -T 2>/dev/null | grep -E '^(passwordauthentication|kbdinteractiveauthentication|permitrootlogin|x11forwarding) ' | sort");
    expect(r.stdout.split('\n')).toEqual(['kbdinteractiveauthentication no', 'passwordauthentication no', 'permitrootlogin without-password', 'x11forwarding no']);
    const { execa } = await import('execa');
    const deploy = await execa(
      'ssh',
      ['-i', lab.key, '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `deploy@${web.address}`, 'whoami; sudo -n id -un'],
      { reject: false },
    );
    expect(deploy.stdout.split('\n')).toEqual(['deploy', 'root']);
  });

  it('opens only the declared ports, each to the sources it names', async () => {
    // A listener on a port no role declares: reachable on the host itself, from nowhere else.
    await lab.ssh(
      web.name,
      'systemd-run --unit=wpha-fw-probe python3 -m http.server 8081 >/dev/null 2>&1; for i in 1 2 3 4 5 6 7 8 9 10; do (exec 3<>/dev/tcp/127.0.0.1/8081) 2>/dev/null && break; sleep 0.3; done',
    );
    try {
      expect(await canConnect(web.name, '127.0.0.1', 8081)).toBe(true);
      const probes: [string, string, string, number][] = [
        ['db -> web:22', db.name, web.address, 22],
        ['db -> web:80', db.name, web.address, 80],
        ['db -> web:8081', db.name, web.address, 8081],
        ['web -> db:3306', web.name, db.address, 3306],
        ['web -> db:6379', web.name, db.address, 6379],
        // The controller is not an inventory host: only SSH (open to the world) answers.
        ['controller -> web:22', 'controller', web.address, 22],
        ['controller -> web:80', 'controller', web.address, 80],
        ['controller -> db:3306', 'controller', db.address, 3306],
        ['controller -> db:6379', 'controller', db.address, 6379],
      ];
      const seen = Object.fromEntries(await Promise.all(probes.map(async ([label, from, address, port]) => [label, await canConnect(from, address, port)])));
      expect(seen).toEqual({
        'db -> web:22': true,
        'db -> web:80': true,
        'db -> web:8081': false,
        'web -> db:3306': true,
        'web -> db:6379': true,
        'controller -> web:22': true,
        'controller -> web:80': false,
        'controller -> db:3306': false,
        'controller -> db:6379': false,
      });
    } finally {
      await lab.ssh(web.name, 'systemctl stop wpha-fw-probe');
    }
  });
});
