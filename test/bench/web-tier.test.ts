/**
 * The web_tier role on real lab hosts: the first apply changes things, the second changes nothing
 * in exactly one round trip per host, and the hosts really end up serving the site. With
 * ansible-playbook installed, also cross-application with the reference playbook in both orders
 * (ours then theirs, theirs then ours: no change either way).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { loadForRun } from '../../src/engine/load.js';
import { runPlay, type RunSummary } from '../../src/engine/run.js';
import type { RunEvent } from '../../src/engine/events.js';
import { webTierDir, writeBenchInventories, type BenchHost, type BenchInventories } from '../../src/bench/web-tier-files.js';
import { closeControlMasters, runAnsiblePlaybook } from '../../src/bench/run-tools.js';
import { notNoOp, describeChanges } from '../../src/bench/parse-runs.js';

const ANSIBLE = spawnSync('ansible-playbook', ['--version']).status === 0;
const NO_ANSIBLE = ANSIBLE ? '' : ' [skipped: ansible-playbook is not installed; on Debian: apt-get install ansible-core]';

const VARS: Record<string, string> = { site_name: 'shop.example.test', site_root: '/var/www/shop', php_version: '8.2', fastcgi_cache_path: '/var/cache/nginx/fastcgi' };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** The Ansible template with its variables filled in by plain substitution: independent of wpha's renderer. */
const expectedTemplate = (name: string) => readFileSync(path.join(webTierDir(), 'ansible', 'templates', `${name}.j2`), 'utf8').replace(/\{\{ (\w+) \}\}/g, (_, v: string) => VARS[v]!);

const EXPECTED_FILES: [string, string, string][] = [
  ['/var/www/shop/health.php', sha256("<?php echo 'ok';\n"), '644 deploy www-data'],
  ['/etc/nginx/conf.d/fastcgi-cache.conf', sha256(expectedTemplate('fastcgi-cache.conf')), '644 root root'],
  ['/etc/nginx/sites-available/shop.example.test.conf', sha256(expectedTemplate('site.conf')), '644 root root'],
  ['/etc/php/8.2/fpm/pool.d/shop.conf', sha256(expectedTemplate('pool.conf')), '644 root root'],
  ['/etc/sysctl.d/60-web.conf', sha256('net.core.somaxconn = 4096\nvm.swappiness = 10\n'), '644 root root'],
  ['/etc/cron.d/cache-warmer', sha256('*/10 * * * * www-data curl -s -o /dev/null http://127.0.0.1/\n'), '644 root root'],
];
const EXPECTED_DIRS: [string, string][] = [
  ['/var/www/shop', '755 deploy www-data'],
  ['/var/cache/nginx', '750 www-data www-data'],
  ['/var/cache/nginx/fastcgi', '750 www-data www-data'],
];
const PACKAGES = ['nginx', 'php8.2-fpm', 'php8.2-mysql', 'php8.2-redis', 'php8.2-gd', 'php8.2-xml', 'php8.2-mbstring', 'php8.2-curl', 'redis-server', 'rsync', 'cron'];
const SERVICES = ['nginx', 'php8.2-fpm', 'redis-server'];

/** One shell script printing `key=value` lines about everything the role manages. */
const STATE_SCRIPT = [
  ...EXPECTED_FILES.map(([f]) => `echo "sum:${f}=$(sha256sum < ${f} | cut -d' ' -f1)"; echo "stat:${f}=$(stat -c '%a %U %G' ${f})"`),
  ...EXPECTED_DIRS.map(([d]) => `echo "stat:${d}=$(stat -c '%a %U %G' ${d})"`),
  `echo "link=$(readlink /etc/nginx/sites-enabled/shop.example.test.conf)"`,
  `echo "default=$(test -e /etc/nginx/sites-enabled/default || test -L /etc/nginx/sites-enabled/default && echo present || echo absent)"`,
  `echo "opcache=$(grep -c '^opcache.memory_consumption=256$' /etc/php/8.2/fpm/php.ini)"`,
  `echo "maxmemory=$(grep -c '^maxmemory 256mb$' /etc/redis/redis.conf)"`,
  `echo "policy=$(grep -c '^maxmemory-policy allkeys-lru$' /etc/redis/redis.conf)"`,
  `echo "redis-live=$(redis-cli config get maxmemory | tail -n 1)"`,
  `echo "deploy=$(getent passwd deploy | cut -d: -f6,7)"`,
  `echo "home=$(stat -c '%U' /home/deploy)"`,
  `echo "health=$(curl -s -H 'Host: shop.example.test' http://127.0.0.1/health.php)"`,
  ...SERVICES.map((s) => `echo "svc:${s}=$(systemctl is-active ${s}) $(systemctl is-enabled ${s})"`),
  `echo "packages=$(dpkg-query -W -f '\${db:Status-Status} ' ${PACKAGES.join(' ')} | tr -s ' ')"`,
].join('\n');

function parseState(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const temps: string[] = [];
const tempDir = (p: string) => {
  const d = mkdtempSync(path.join(tmpdir(), p));
  temps.push(d);
  return d;
};
/** ControlPersist folders of the Ansible runs: their masters are ended before the hosts go. */
const controlDirs = () => temps.filter((d) => path.basename(d).startsWith('wpha-wt-cp-'));

async function applyRole(dir: string, factsCacheDir: string): Promise<{ summary: RunSummary; events: RunEvent[] }> {
  const inv = await loadForRun({ inventory: dir });
  const events: RunEvent[] = [];
  const summary = await runPlay(inv, {
    tags: [],
    skipTags: [],
    check: false,
    diff: false,
    forks: 10,
    forceHandlers: false,
    acceptNewHostKeys: false,
    listeners: [(e) => events.push(e)],
    factsCacheDir,
  });
  return { summary, events };
}

const changedTasks = (events: RunEvent[]) => events.filter((e) => e.type === 'task' && e.status === 'changed').map((e) => (e.type === 'task' ? `${e.host}: ${e.task}` : ''));
const failures = (events: RunEvent[]) => events.filter((e) => e.type === 'host-failed' || e.type === 'host-unreachable' || (e.type === 'task' && e.status === 'failed'));

describe('web_tier role on lab hosts', () => {
  let lab: LabHosts;
  let hosts: BenchHost[];
  let inv: BenchInventories;
  let facts: string;

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'wt');
    hosts = lab.hosts;
    facts = tempDir('wpha-wt-facts-');
    inv = writeBenchInventories(tempDir('wpha-wt-inv-'), hosts, { key: lab.key, knownHosts: lab.knownHosts }, tempDir('wpha-wt-cp-'));
  });
  afterAll(async () => {
    for (const d of controlDirs()) await closeControlMasters(d);
    await lab?.release();
    temps.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  it('first apply converges, second changes nothing in one round trip per host, and the site answers', async () => {
    const first = await applyRole(inv.wpha, facts);
    expect(failures(first.events)).toEqual([]);
    for (const h of hosts) {
      expect(first.summary.recaps[h.name]!.changed, h.name).toBeGreaterThanOrEqual(19);
      expect(changedTasks(first.events)).toContain(`${h.name}: restart redis`);
    }

    const second = await applyRole(inv.wpha, facts);
    expect(failures(second.events)).toEqual([]);
    expect(changedTasks(second.events)).toEqual([]);
    for (const h of hosts) {
      expect(second.summary.recaps[h.name]).toMatchObject({ changed: 0, failed: 0, unreachable: false });
      expect(second.summary.roundTrips[h.name], `round trips of ${h.name}`).toBe(1);
    }

    for (const h of hosts) {
      const r = await lab.ssh(h.name, STATE_SCRIPT);
      expect(r.code, r.stderr).toBe(0);
      const s = parseState(r.stdout);
      for (const [f, sum, attrs] of EXPECTED_FILES) {
        expect(s[`sum:${f}`], f).toBe(sum);
        expect(s[`stat:${f}`], f).toBe(attrs);
      }
      for (const [d, attrs] of EXPECTED_DIRS) expect(s[`stat:${d}`], d).toBe(attrs);
      expect(s).toMatchObject({
        link: '/etc/nginx/sites-available/shop.example.test.conf',
        default: 'absent',
        opcache: '1',
        maxmemory: '1',
        policy: '1',
        // the restart handler ran: the live server uses the new limit (256 MiB)
        'redis-live': '268435456',
        deploy: '/home/deploy:/bin/bash',
        home: 'deploy',
        health: 'ok',
      });
      for (const svc of SERVICES) expect(s[`svc:${svc}`], svc).toBe('active enabled');
      expect(s.packages!.trim().split(' ')).toEqual(PACKAGES.map(() => 'installed'));
    }
  });

  it.skipIf(!ANSIBLE)(`ours then theirs: ansible-playbook after wpha changes nothing${NO_ANSIBLE}`, async () => {
    const r = await runAnsiblePlaybook(inv);
    expect(describeChanges(r.outcome)).toEqual([]);
    expect(r.outcome.errors).toEqual([]);
    expect(Object.keys(r.outcome.hosts).sort()).toEqual(hosts.map((h) => h.name).sort());
    expect(notNoOp(r.outcome)).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it.skipIf(!ANSIBLE)(`theirs then ours: wpha after ansible-playbook on a fresh host changes nothing${NO_ANSIBLE}`, async () => {
    const host = hosts[1]!;
    for (const d of controlDirs()) await closeControlMasters(d);
    await lab.lab.reset(host.name);
    // a fresh ControlPersist folder: the reset host must not be reached through the old master
    const fresh = writeBenchInventories(tempDir('wpha-wt-inv-'), [host], { key: lab.key, knownHosts: lab.knownHosts }, tempDir('wpha-wt-cp-'));
    const a = await runAnsiblePlaybook(fresh);
    expect(a.outcome.errors).toEqual([]);
    expect(a.outcome.hosts[host.name]!.changed).toBeGreaterThan(10);

    const ours = await applyRole(fresh.wpha, tempDir('wpha-wt-facts-'));
    expect(failures(ours.events)).toEqual([]);
    expect(changedTasks(ours.events)).toEqual([]);
    expect(ours.summary.recaps[host.name]).toMatchObject({ changed: 0, failed: 0, unreachable: false });
  });
});
