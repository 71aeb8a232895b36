/**
 * Uploads off the web nodes, on four fresh lab hosts: one front server (haproxy + keepalived: the
 * virtual IP), two web nodes, one host for the database, Redis and the S3 endpoint (OpenStack
 * Swift with its S3 API: the swift_s3 role, the lab's stand-in for MinIO). An image uploaded
 * through WordPress on one node lands in the bucket (and not on the node), is served through the
 * VIP by nginx from the bucket with its content type; the bucket down makes a new upload fail
 * loudly while cached files are still served; the node that took the upload is destroyed (machine
 * and disk) and the file is still served byte for byte. A second apply changes nothing; an
 * endpoint without credentials is refused before any host is contacted.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { makePng } from '../helpers/png.js';
import { stopwatch } from '../helpers/stopwatch.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labVars = (group: string) => parse(readFileSync(path.join(root, 'inventories/lab/group_vars', `${group}.yaml`), 'utf8')) as Record<string, unknown>;
const SITE = 'shop.lab';
const S3_SECRET = 'lab-s3-uploads-key-not-secret';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('uploads in a bucket, served through the front VIP', () => {
  let lab: LabHosts;
  let inv: string;
  let vip: string;
  let front: string, web1: string, web2: string, store: string;
  const image = makePng(400, 300, Date.now());
  let upload: { id: number; url: string; file: string; sizes: Record<string, string> };
  const { seconds, timed } = stopwatch();

  beforeAll(async () => {
    lab = await timed('acquire 4 hosts', () => acquireLabHosts(4, 'uploads'));
    [front, web1, web2, store] = lab.hosts.map((h) => h.name) as [string, string, string, string];
    vip = lab.reserveAddress();
    const storeAddress = lab.hosts[3]!.address;
    inv = writeLabInventory(lab, {
      groups: {
        all: { roles: ['common'] },
        front: {
          hosts: [0],
          roles: ['haproxy', 'keepalived'],
          vars: { ...labVars('front'), keepalived_vips: [`${vip}/24`], keepalived_router_id: Number(vip.split('.')[3]), common_firewall_extra_rules: [] },
        },
        web: {
          hosts: [1, 2],
          roles: ['php_fpm', 'nginx', 'wordpress'],
          vars: {
            ...labVars('web'),
            // What selects the bucket: MinIO's URL in production, the lab's Swift here.
            wordpress_uploads_s3_endpoint: `http://${storeAddress}:8080`,
            wordpress_uploads_s3_access_key: 'wpha:uploads',
            wordpress_uploads_s3_secret_key: S3_SECRET,
            nginx_uploads_read_url: `http://${storeAddress}:8080/v1/AUTH_wpha/uploads`,
          },
        },
        db: { hosts: [3], roles: ['mariadb'], vars: labVars('db') },
        redis: { hosts: [3], roles: ['redis'], vars: labVars('redis') },
        storage: {
          hosts: [3],
          roles: ['swift_s3'],
          vars: { swift_s3_hash_secret: 'lab-swift-hash-not-secret', swift_s3_users: { uploads: S3_SECRET }, swift_s3_buckets: [{ name: 'uploads', public: true }] },
        },
      },
      vars: labVars('all'),
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
    process.stderr.write(`[uploads] times (s): ${JSON.stringify(seconds)}\n`);
  });

  const address = (h: string) => lab.hosts.find((x) => x.name === h)!.address;
  /** GET through `to` from the storage host: status, content type, X-Cache and the body's sha256. */
  const fetch = async (to: string, urlPath: string) => {
    const r = await lab.ssh(
      store,
      `curl -s -o /tmp/got -D /tmp/head -w '%{http_code} %{content_type}' -H 'Host: ${SITE}' 'http://${to}${urlPath}'; echo " $(sed -n 's/^[Xx]-[Cc]ache: *//p' /tmp/head | tr -d '\\r')"; sha256sum < /tmp/got | cut -c1-64`,
    );
    const [line, sum] = r.stdout.split('\n');
    const [status, type, xcache] = line!.split(' ');
    return { status: Number(status), type, xcache: xcache ?? '', sha256: sum };
  };
  const wpEval = (host: string, php: string) =>
    lab.ssh(host, `cd /tmp && runuser -u www-data -- env WORDPRESS_CONFIG=shop WPHA_DOMAIN=${SITE} php /usr/local/lib/wpha/wp-eval.php "$(cat)"`, { input: php });
  /** media_handle_sideload of /tmp/upload.png on `host`, as the media library does: the attachment, or the error. */
  const sideload = async (host: string, name: string) => {
    expect((await lab.ssh(host, 'cat > /tmp/upload.png && chmod 0644 /tmp/upload.png', { input: image as unknown as string })).code).toBe(0);
    const php = `require_once ABSPATH . 'wp-admin/includes/file.php'; require_once ABSPATH . 'wp-admin/includes/media.php'; require_once ABSPATH . 'wp-admin/includes/image.php';
      copy('/tmp/upload.png', '/tmp/sideload.png');
      $id = media_handle_sideload(['name' => '${name}', 'tmp_name' => '/tmp/sideload.png'], 0);
      if (is_wp_error($id)) { echo json_encode(['error' => $id->get_error_message()]); return; }
      $meta = wp_get_attachment_metadata($id);
      echo json_encode(['id' => $id, 'url' => wp_get_attachment_url($id), 'file' => get_attached_file($id), 'sizes' => array_map(fn ($s) => $s['file'], $meta['sizes'] ?? [])]);`;
    const r = await wpEval(host, php);
    expect(r.stderr).not.toContain(S3_SECRET);
    return JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as typeof upload & { error?: string };
  };

  it('applies from scratch: the S3 endpoint answers, WordPress answers on the virtual IP', async () => {
    const r = await timed('apply from scratch', () => runWpha(['apply', '-i', inv, '--json']));
    const ev = jsonEvents(r.stdout);
    expect(
      tasksOf(ev)
        .filter((t) => t.status === 'failed')
        .map((t) => `${t.host} ${t.task}: ${t.error}`),
    ).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(S3_SECRET);
    // HAProxy sees the web nodes UP after two good checks once PHP-FPM restarted: wait for it.
    const t0 = Date.now();
    let home = await fetch(vip, '/');
    while (home.status !== 200 && Date.now() - t0 < 30_000) {
      await new Promise((res) => setTimeout(res, 500));
      home = await fetch(vip, '/');
    }
    expect(home.status).toBe(200);
    // The bucket can be read by URL, never listed; the secret key stays in root-and-www-data files.
    expect((await lab.ssh(store, 'curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:8080/v1/AUTH_wpha/uploads')).stdout).toBe('401');
    expect((await lab.ssh(web1, 'stat -c "%a %U:%G" /etc/wordpress/config-shop.php')).stdout).toBe('640 root:www-data');
    expect((await lab.ssh(store, 'stat -c "%a %U:%G" /etc/swift/proxy-server.conf')).stdout).toBe('640 root:swift');
  });

  it('an image uploaded through WordPress on one node is in the bucket, not on either node, and served through the VIP from it', async () => {
    upload = await timed('upload (media_handle_sideload)', () => sideload(web1, 'lab-photo.png'));
    expect(upload.error).toBeUndefined();
    const urlPath = new URL(upload.url).pathname;
    expect(urlPath).toMatch(/^\/wp-content\/uploads\/\d{4}\/\d{2}\/lab-photo\.png$/);
    // GD made the image sizes (150x150 and 300x225 at least): they are uploads too.
    expect(Object.values(upload.sizes)).toEqual(expect.arrayContaining(['lab-photo-150x150.png', 'lab-photo-300x225.png']));
    const rel = urlPath.slice('/wp-content/uploads/'.length);
    const dir = path.posix.dirname(rel);
    // In the bucket (read straight from Swift on the storage host), byte for byte.
    const inBucket = await lab.ssh(
      store,
      `curl -s http://127.0.0.1:8080/v1/AUTH_wpha/uploads/shop/${rel} | sha256sum | cut -c1-64; for f in ${Object.values(upload.sizes).join(' ')}; do curl -s -o /dev/null -w '%{http_code} ' http://127.0.0.1:8080/v1/AUTH_wpha/uploads/shop/${dir}/$f; done`,
    );
    expect(inBucket.stdout.split('\n')).toEqual([
      sha256(image),
      Object.values(upload.sizes)
        .map(() => '200')
        .join(' ') + ' ',
    ]);
    // Not on the node that took it (its local copy left at the end of the request), nor the other.
    for (const h of [web1, web2]) expect((await lab.ssh(h, `find /var/lib/wordpress/wp-content/uploads -type f | wc -l`)).stdout).toBe('0');
    // Through the VIP: the same bytes, the right type, and from the node's cache the second time
    // (each node has its own cache: ask each node directly for its second answer).
    const viaVip = await fetch(vip, urlPath);
    expect(viaVip).toMatchObject({ status: 200, type: 'image/png', sha256: sha256(image) });
    for (const h of [web1, web2]) {
      await fetch(address(h), urlPath);
      expect(await fetch(address(h), urlPath)).toEqual({ status: 200, type: 'image/png', xcache: 'HIT', sha256: sha256(image) });
    }
    // What nobody uploaded is a 404, and PHP in uploads is never run.
    expect((await fetch(vip, `/wp-content/uploads/${dir}/nothing-here.png`)).status).toBe(404);
  });

  it('the same file name uploaded on the other node gets a new name: names are unique in the bucket, not per node', async () => {
    const again = await sideload(web2, 'lab-photo.png');
    expect(again.error).toBeUndefined();
    expect(new URL(again.url).pathname).toBe(new URL(upload.url).pathname.replace(/lab-photo\.png$/, 'lab-photo-1.png'));
    // The first upload is untouched in the bucket.
    expect((await fetch(vip, new URL(upload.url).pathname)).sha256).toBe(sha256(image));
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
    for (const h of [front, web1, web2, store]) expect(hostDone(ev, h)?.recap).toMatchObject({ changed: 0, failed: 0 });
  });

  it('with the bucket down, an upload fails with the reason and leaves nothing; cached files are still served', async () => {
    const urlPath = new URL(upload.url).pathname;
    expect((await lab.ssh(store, 'systemctl stop swift-proxy')).code).toBe(0);
    try {
      const failed = await sideload(web2, 'while-down.png');
      expect(failed.error).toMatch(/^The upload could not be stored in the bucket \(.*no answer from the S3 endpoint.*\); nothing was saved/);
      expect(failed.error).not.toContain(S3_SECRET);
      // No attachment was made and no file stayed on the node.
      expect((await wpEval(web2, "echo count(get_posts(['post_type' => 'attachment', 'post_status' => 'any', 'name' => 'while-down']));")).stdout).toBe('0');
      expect((await lab.ssh(web2, 'find /var/lib/wordpress/wp-content/uploads -type f | wc -l')).stdout).toBe('0');
      expect(await fetch(address(web2), urlPath)).toMatchObject({ status: 200, type: 'image/png', sha256: sha256(image) });
    } finally {
      await lab.ssh(store, 'systemctl start swift-proxy');
    }
  });

  it('the node that took the upload is destroyed (machine and disk); the file is still served through the VIP, byte for byte', async () => {
    const urlPath = new URL(upload.url).pathname;
    await timed('destroy web node', () => lab.lab.stop([web1], { purge: true }));
    lab.hosts.splice(
      lab.hosts.findIndex((h) => h.name === web1),
      1,
    );
    // HAProxy takes the dead node out after two failed checks; then every request is answered.
    const t0 = Date.now();
    let st = (await lab.ssh(front, 'wpha-lb status')).stdout;
    while (!st.includes(`${web1} DOWN`) && Date.now() - t0 < 30_000) {
      await new Promise((res) => setTimeout(res, 500));
      st = (await lab.ssh(front, 'wpha-lb status')).stdout;
    }
    expect(st).toContain(`${web1} DOWN`);
    // The Swift proxy was started again a moment ago: give it the time to answer.
    await lab.ssh(store, 'for i in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:8080/healthcheck && break; sleep 0.5; done');
    for (let i = 0; i < 4; i++) expect(await fetch(vip, `${urlPath}`)).toMatchObject({ status: 200, type: 'image/png', sha256: sha256(image) });
    // And a file the surviving node never served before (an image size) comes from the bucket.
    const small = `${path.posix.dirname(urlPath)}/${upload.sizes.thumbnail}`;
    expect(await fetch(address(web2), small)).toMatchObject({ status: 200, type: 'image/png', xcache: 'MISS' });
  });

  it('an endpoint without credentials is refused before any host is contacted, naming the file and line', async () => {
    const text = readFileSync(path.join(inv, 'inventory.yaml'), 'utf8').replace(/^ +wordpress_uploads_s3_secret_key: .*\n/m, '');
    const line = text.split('\n').findIndex((l) => l.includes('wordpress_uploads_s3_endpoint:')) + 1;
    const bad = mkdtempSync(path.join(tmpdir(), 'wpha-inv-bad-'));
    writeFileSync(path.join(bad, 'inventory.yaml'), text);
    const r = await runWpha(['apply', '-i', bad, '--json']);
    expect(r.code).toBe(65);
    expect(`${r.stdout}\n${r.stderr}`).toMatch(
      new RegExp(`inventory\\.yaml:${line}:\\d+: groups\\.web\\.vars\\.wordpress_uploads_s3_endpoint: Uploads in a bucket need wordpress_uploads_s3_access_key and wordpress_uploads_s3_secret_key`),
    );
    // Refused while loading: no host was connected to.
    expect(jsonEvents(r.stdout).filter((e) => 'host' in e)).toEqual([]);
  });
});
