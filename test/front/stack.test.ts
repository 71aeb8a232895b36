/**
 * The whole stack on five fresh lab hosts with the lab inventory's own variables: two front
 * servers (haproxy, keepalived), two web nodes (php_fpm, nginx, wordpress, cache_warmer), one
 * database + Redis host (also the client). From scratch to WordPress on the virtual IP; the
 * warmer leaves every sitemap URL a HIT on both web nodes; publishing a post purges and re-warms
 * the home page on both nodes (the mu-plugin), unpublishing takes it off again; PHP sessions are
 * shared through Redis; a node cut off from the database leaves the pool by its health page and
 * comes back; a second apply changes nothing.
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

describe('front + web + db stack on fresh lab hosts', () => {
  let lab: LabHosts;
  let inv: string;
  let vip: string;
  let names: string[];
  let web1: string, web2: string, db: string;
  const { seconds, timed } = stopwatch();

  beforeAll(async () => {
    lab = await timed('acquire 5 hosts', () => acquireLabHosts(5, 'stack'));
    names = lab.hosts.map((h) => h.name);
    [, , web1, web2, db] = names as [string, string, string, string, string];
    vip = lab.reserveAddress();
    const [a1, a2] = lab.hosts.map((h) => h.address);
    inv = writeLabInventory(lab, {
      groups: {
        all: { roles: ['common'] },
        front: {
          hosts: [0, 1],
          roles: ['haproxy', 'keepalived'],
          // The lab's front vars, with this test's own VIP and front addresses.
          vars: {
            ...labVars('front'),
            keepalived_vips: [`${vip}/24`],
            keepalived_router_id: Number(vip.split('.')[3]),
            common_firewall_extra_rules: [`ip saddr { ${a1}, ${a2} } ip protocol vrrp accept`],
          },
        },
        web: { hosts: [2, 3], roles: ['php_fpm', 'nginx', 'wordpress', 'cache_warmer'], vars: labVars('web') },
        db: { hosts: [4], roles: ['mariadb'], vars: labVars('db') },
        redis: { hosts: [4], roles: ['redis'], vars: labVars('redis') },
      },
      vars: labVars('all'),
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
    process.stderr.write(`[stack] times (s): ${JSON.stringify(seconds)}\n`);
  });

  /** GET from `from` to `address` with the site's Host header: status, X-Cache, page title, body. */
  const get = async (from: string, address: string, urlPath: string) => {
    const r = await lab.ssh(
      from,
      `curl -s -o /tmp/body -D /tmp/head -w '%{http_code}' -H 'Host: ${SITE}' 'http://${address}${urlPath}'; echo; grep -i '^x-cache:' /tmp/head | tr -d '\\r'; cat /tmp/body`,
    );
    const [status, second, ...body] = r.stdout.split('\n');
    const hasCache = /^x-cache:/i.test(second ?? '');
    const text = (hasCache ? body : [second, ...body]).join('\n');
    return { status: Number(status), xcache: hasCache ? second!.split(':')[1]!.trim() : '', title: text.match(/<title>([^<]*)/)?.[1] ?? '', body: text };
  };
  const address = (h: string) => lab.hosts.find((x) => x.name === h)!.address;
  const wpEval = (host: string, php: string) =>
    lab.ssh(host, `cd /tmp && runuser -u www-data -- env WORDPRESS_CONFIG=shop WPHA_DOMAIN=${SITE} php /usr/local/lib/wpha/wp-eval.php "$(cat)"`, { input: php });

  it('applies from scratch; WordPress answers on the virtual IP, then from the cache', async () => {
    const r = await timed('apply from scratch', () => runWpha(['apply', '-i', inv, '--json']));
    const ev = jsonEvents(r.stdout);
    expect(
      tasksOf(ev)
        .filter((t) => t.status === 'failed')
        .map((t) => `${t.host} ${t.task}: ${t.error}`),
    ).toEqual([]);
    expect(r.code).toBe(0);
    // The web nodes restart PHP-FPM at the end of their run; HAProxy sees them UP after two good
    // checks (2 s apart). Until then the VIP answers 503: allow that window, and measure it.
    const first = await timed('VIP serving after apply', async () => {
      const tUp = Date.now();
      let page = await get(db, vip, '/');
      while (page.status === 503 && Date.now() - tUp < 20_000) {
        await new Promise((r) => setTimeout(r, 500));
        page = await get(db, vip, '/');
      }
      return page;
    });
    expect(first).toMatchObject({ status: 200, title: TITLE });
    // Each node: its second answer comes from its own cache.
    for (const h of [web1, web2]) {
      await get(db, address(h), '/');
      const again = await get(db, address(h), '/');
      expect([h, again.status, again.title, again.xcache]).toEqual([h, 200, TITLE, 'HIT']);
    }
    // Through the VIP, whichever node answers: from the cache.
    const later = [await get(db, vip, '/'), await get(db, vip, '/')];
    expect(later.map((x) => [x.status, x.title, x.xcache])).toEqual([
      [200, TITLE, 'HIT'],
      [200, TITLE, 'HIT'],
    ]);
    // Both fronts see both web nodes UP; a node still rising (its last PHP-FPM restart came late
    // in the run) gets the same window of good checks as above.
    const bothUp = `${web1} UP 1 0\n${web2} UP 1 0`;
    for (const f of names.slice(0, 2)) {
      const tFront = Date.now();
      let st = (await lab.ssh(f, 'wpha-lb status')).stdout;
      while (st !== bothUp && Date.now() - tFront < 20_000) {
        await new Promise((r) => setTimeout(r, 500));
        st = (await lab.ssh(f, 'wpha-lb status')).stdout;
      }
      expect(st).toBe(bothUp);
    }
  });

  it('the warmer leaves every sitemap URL a HIT on both web nodes', async () => {
    // What the sitemap lists, read independently of the warmer (index -> child sitemaps -> pages).
    const sm = await lab.ssh(
      web1,
      `for u in $(curl -s -H 'Host: ${SITE}' http://127.0.0.1/wp-sitemap.xml | grep -o '<loc>[^<]*' | cut -c6-); do curl -s -H 'Host: ${SITE}' "http://127.0.0.1\${u#http://${SITE}}" | grep -o '<loc>[^<]*' | cut -c6-; done`,
    );
    const paths = [
      ...new Set(
        sm.stdout
          .split('\n')
          .filter(Boolean)
          .map((u) => new URL(u).pathname),
      ),
    ];
    expect(paths).toContain('/');
    expect(paths.length).toBeGreaterThanOrEqual(3);
    const run = await timed('warmer run', () => lab.ssh(web1, 'systemctl start wpha-cache-warmer.service'));
    expect(run.code).toBe(0);
    const status = JSON.parse((await lab.ssh(web1, 'cat /var/lib/wpha-cache-warmer/status.json')).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ nodes: 2, sites: 1, urls: paths.length, requests: 2 * paths.length, pages_warmed: 2 * paths.length, failures: 0, sitemap_failures: 0 });
    for (const h of [web1, web2]) {
      for (const p of paths) {
        const g = await get(db, address(h), p);
        expect(`${h} ${p} ${g.status} ${g.xcache}`).toBe(`${h} ${p} 200 HIT`);
      }
    }
  });

  it('publishing a post purges and re-warms the home page on both nodes; unpublishing removes it', async () => {
    const title = `Fresh from the lab ${Date.now()}`;
    const id = await timed('publish (with purge + warm)', () =>
      wpEval(web1, `echo wp_insert_post(['post_title' => '${title}', 'post_content' => 'hello', 'post_status' => 'publish', 'post_author' => 1], true);`),
    );
    expect(id.stdout).toMatch(/^\d+$/);
    for (const h of [web1, web2]) {
      const home = await get(db, address(h), '/');
      // Re-warmed by the mu-plugin: the first visitor already gets the new page from the cache.
      expect([h, home.status, home.xcache, home.body.includes(title)]).toEqual([h, 200, 'HIT', true]);
    }
    expect((await get(db, vip, '/')).body).toContain(title);

    await wpEval(web2, `wp_update_post(['ID' => ${id.stdout}, 'post_status' => 'draft']);`);
    for (const h of [web1, web2]) {
      const home = await get(db, address(h), '/');
      expect([h, home.status, home.body.includes(title)]).toEqual([h, 200, false]);
    }
  });

  it('a PHP session written through one web node is read through the other: sessions live in Redis', async () => {
    const probe = '/usr/share/wordpress/wpha-session-probe.php';
    const script = "<?php session_start(); if (isset($_GET['set'])) { $_SESSION['v'] = $_GET['set']; } echo session_id(), ' ', $_SESSION['v'] ?? 'none';";
    for (const h of [web1, web2]) expect((await lab.ssh(h, `cat > ${probe}`, { input: script })).code).toBe(0);
    try {
      const value = `cart-${Date.now()}`;
      // A query string bypasses the page cache; one cookie jar is one visitor.
      const curl = (h: string, q: string) => `curl -s -b /tmp/jar -c /tmp/jar -H 'Host: ${SITE}' 'http://${address(h)}/wpha-session-probe.php?${q}'`;
      const set = (await lab.ssh(db, `rm -f /tmp/jar; ${curl(web1, `set=${value}`)}`)).stdout;
      const [sid, stored] = set.split(' ');
      expect(sid).toMatch(/^[A-Za-z0-9,-]{20,}$/);
      expect(stored).toBe(value);
      expect((await lab.ssh(db, curl(web2, 'read=1'))).stdout).toBe(`${sid} ${value}`);
      // In Redis (database 1, the sessions' own), not in a file on either node.
      const pass = String(labVars('all').redis_password);
      expect((await lab.ssh(db, `REDISCLI_AUTH="$(cat)" redis-cli -n 1 get wpha_session:${sid}`, { input: pass })).stdout).toContain(value);
      for (const h of [web1, web2]) {
        expect((await lab.ssh(h, `find /var/lib/php/sessions -name 'sess_${sid}' | wc -l; stat -c '%a %U' /etc/php/8.2/fpm/conf.d/91-wpha-sessions.ini`)).stdout).toBe('0\n600 root');
      }
    } finally {
      for (const h of [web1, web2]) await lab.ssh(h, `rm -f ${probe}`);
    }
  });

  it('a web node that loses its database fails its health page and leaves the pool; visitors see only 200s; it comes back', async () => {
    const [front1] = names as [string];
    const dbAddress = address(db);
    const health = (h: string) => lab.ssh(front1, `curl -s -w ' %{http_code}' -H 'Host: localhost' http://${address(h)}/wpha-health`);
    expect((await health(web1)).stdout).toBe('ok\n 200');
    // Refused at the edge: the health page is for the cluster only.
    expect((await get(db, vip, '/wpha-health')).status).toBe(403);
    // What both front servers' HAProxy see (whichever holds the VIP), once they agree on `want`.
    const waitFor = async (want: string) => {
      const t0 = Date.now();
      const both = async () => Promise.all(names.slice(0, 2).map(async (f) => (await lab.ssh(f, 'wpha-lb status')).stdout));
      let st = await both();
      while (st.some((x) => x !== want) && Date.now() - t0 < 20_000) {
        await new Promise((r) => setTimeout(r, 500));
        st = await both();
      }
      return st.join('\n--\n');
    };
    // web1 can no longer reach the database host (any packet to it is refused at once).
    expect((await lab.ssh(web1, `ip route add prohibit ${dbAddress}/32`)).code).toBe(0);
    try {
      const down = (await health(web1)).stdout;
      expect(down).toMatch(/^fail: database: .+\n 503$/);
      expect(down).not.toContain(String(labVars('all').redis_password));
      const out = `${web1} DOWN 1 0\n${web2} UP 1 0`;
      expect(await waitFor(out)).toBe(`${out}\n--\n${out}`);
      const codes = await lab.ssh(db, `for i in $(seq 1 20); do curl -s -o /dev/null -w '%{http_code}\\n' -H 'Host: ${SITE}' "http://${vip}/?db-cut=$i"; done | sort | uniq -c`);
      expect(codes.stdout.trim()).toBe('20 200');
    } finally {
      await lab.ssh(web1, `ip route del prohibit ${dbAddress}/32`);
    }
    expect((await health(web1)).stdout).toBe('ok\n 200');
    const up = `${web1} UP 1 0\n${web2} UP 1 0`;
    expect(await waitFor(up)).toBe(`${up}\n--\n${up}`);
  });

  it('a second apply changes nothing', async () => {
    const r = await timed('second apply', () => runWpha(['apply', '-i', inv, '--json']));
    expect(r.code).toBe(0);
    const ev = jsonEvents(r.stdout);
    expect(
      tasksOf(ev)
        .filter((t) => t.status === 'changed')
        .map((t) => `${t.host} ${t.task}`),
    ).toEqual([]);
    for (const h of names) expect(hostDone(ev, h)?.recap).toMatchObject({ changed: 0, failed: 0 });
  });
});
