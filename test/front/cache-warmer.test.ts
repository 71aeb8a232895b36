/**
 * The cache warmer on two web nodes that run a page cache over static pages (fixtures/roles):
 * one run of the timer's job leaves every sitemap and list URL a HIT on EVERY node, writes its
 * status file and journal line, drops URLs of other hosts, and reports failing pages (status
 * file, journal, failed unit). Re-applying changes nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents, tasksOf } from '../helpers/wpha-cli.js';

const FIXTURES = 'test/front/fixtures/roles';
const SITE = 'shop.test';
const PATHS = ['/', '/a/', '/b/', '/c/'];

interface Status {
  last_run: string;
  nodes: number;
  sites: number;
  urls: number;
  requests: number;
  pages_warmed: number;
  already_cached: number;
  failures: number;
  sitemap_failures: number;
  failed: string[];
}

describe('cache warmer on lab hosts', () => {
  let lab: LabHosts;
  let inv: string;
  let w1: string, w2: string;
  const t0 = Date.now();

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'warm');
    [w1, w2] = lab.hosts.map((h) => h.name) as [string, string];
    inv = writeLabInventory(lab, {
      groups: { web: { hosts: [0, 1], roles: ['cached_static', 'cache_warmer'] } },
      roleDirs: [FIXTURES],
      // No WordPress on these nodes: no mu-plugin; the site is named here instead of wordpress_sites.
      vars: { cache_warmer_mu_plugin: false, cache_warmer_sites: [{ domain: SITE }], static_site: SITE },
    }).dir;
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
  afterAll(async () => {
    await lab?.release();
    process.stderr.write(`[cache-warmer] ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  });

  const status = async (h: string) => JSON.parse((await lab.ssh(h, 'cat /var/lib/wpha-cache-warmer/status.json')).stdout) as Status;
  const xcache = async (h: string, p: string) => (await lab.ssh(h, `curl -s -o /dev/null -w '%{http_code} %header{x-cache}' -H 'Host: ${SITE}' http://127.0.0.1${p}`)).stdout;

  it('schedules the job; one run leaves every sitemap URL a HIT on every node', async () => {
    expect((await lab.ssh(w1, 'systemctl is-active wpha-cache-warmer.timer; systemctl is-enabled wpha-cache-warmer.timer')).stdout).toBe('active\nenabled');
    const run = await lab.ssh(w1, 'systemctl start wpha-cache-warmer.service');
    expect(run.code).toBe(0);
    const s = await status(w1);
    expect(s).toMatchObject({ nodes: 2, sites: 1, urls: 4, requests: 8, pages_warmed: 8, already_cached: 0, failures: 0, sitemap_failures: 0, failed: [] });
    expect(Date.now() - Date.parse(s.last_run)).toBeLessThan(120_000);
    for (const h of [w1, w2]) for (const p of PATHS) expect(`${h} ${p} ${await xcache(h, p)}`).toBe(`${h} ${p} 200 HIT`);

    // Each node's access log shows the warmer's request for every page (Host = the site), from w1.
    const w1Address = lab.hosts[0]!.address;
    for (const h of [w1, w2]) {
      const log = (await lab.ssh(h, 'cat /var/log/nginx/test.log')).stdout;
      for (const p of PATHS) expect(log).toContain(`${SITE} ${p} 200 ${w1Address}`);
      expect(log).not.toContain('/not-ours/');
    }
    const journal = (await lab.ssh(w1, 'journalctl -u wpha-cache-warmer --no-pager -o cat')).stdout;
    expect(journal).toContain('warmed 8 of 8 pages (4 URLs of 1 sites on 2 nodes, 0 already cached), 0 failed, 0 sitemaps failed');
  });

  it('a second run finds every page cached', async () => {
    expect((await lab.ssh(w2, 'systemctl start wpha-cache-warmer.service')).code).toBe(0);
    expect(await status(w2)).toMatchObject({ requests: 8, pages_warmed: 8, already_cached: 8, failures: 0 });
  });

  it('re-applying changes nothing', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code).toBe(0);
    const ev = jsonEvents(r.stdout);
    for (const h of [w1, w2])
      expect(
        tasksOf(ev, h)
          .filter((t) => t.status === 'changed')
          .map((t) => t.task),
      ).toEqual([]);
  });

  it('failing pages show in the status file, the journal and the unit state', async () => {
    const r = await runWpha(['apply', '-i', inv, '-l', w1, '-e', 'cache_warmer_paths=["/", "/missing/"]', '--json']);
    expect(r.code).toBe(0);
    expect(
      tasksOf(jsonEvents(r.stdout), w1)
        .filter((t) => t.status === 'changed')
        .map((t) => t.task),
    ).toEqual(['warmer config']);
    await lab.ssh(w2, 'systemctl stop nginx');
    const run = await lab.ssh(w1, 'systemctl start wpha-cache-warmer.service');
    expect(run.code).not.toBe(0);
    const s = await status(w1);
    const w1a = lab.hosts[0]!.address;
    const w2a = lab.hosts[1]!.address;
    expect(s).toMatchObject({ urls: 5, requests: 10, pages_warmed: 4, failures: 6, sitemap_failures: 0 });
    expect(s.failed).toContain(`${w1a}:80 ${SITE}/missing/ 404`);
    expect(s.failed).toContain(`${w2a}:80 ${SITE}/a/ 000`);
    const journal = (await lab.ssh(w1, 'journalctl -u wpha-cache-warmer --no-pager -o cat')).stdout;
    expect(journal).toContain(`failed: ${w1a}:80 ${SITE}/missing/ -> 404`);
    expect(journal).toContain(`failed: ${w2a}:80 ${SITE}/a/ -> no answer`);
    expect((await lab.ssh(w1, 'systemctl is-failed wpha-cache-warmer.service')).stdout).toBe('failed');
    await lab.ssh(w2, 'systemctl start nginx');
  });
});
