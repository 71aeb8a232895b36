/**
 * The monitoring roles rendered for the shipped inventories without touching a host: each host's
 * agent defines the item keys of the roles it runs and says them in its metadata, the server's
 * wanted configuration lists the keepalived groups, the log host alone receives, and the Zabbix
 * repository option renders (it cannot be installed here: no access to repo.zabbix.com).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import type { Inventory } from '../../src/model.js';
import { loadForRun } from '../../src/engine/load.js';
import { expandHost, fileContent, fileStep, labFacts } from '../helpers/expand-host.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const AGENT_CONF = '/etc/zabbix/zabbix_agent2.d/wpha.conf';
const FORWARD = '/etc/rsyslog.d/90-wpha-forward.conf';

describe('monitoring roles on the lab inventory', () => {
  let inv: Inventory;
  const render = (host: string) => expandHost(inv, host, labFacts(host, inv.hosts.get(host)!.address));
  beforeAll(async () => {
    inv = await loadForRun({ inventory: 'lab', cwd: root });
  });

  it('each agent defines the keys of its roles only, and lists its roles in its metadata', () => {
    const keys = (text: string) => [...text.matchAll(/^(?:UserParameter|Alias)=([^,:[]+)/gm)].map((m) => m[1]).sort();
    const web = fileContent(render('web1').steps, AGENT_CONF);
    expect(web).toContain('HostMetadata=:wpha:common:php_fpm:nginx:wordpress:cache_warmer:zabbix_agent:logging:\n');
    expect(keys(web)).toEqual(['wpha.fpm', 'wpha.fpm.state', 'wpha.health', 'wpha.nginx', 'wpha.nginx.state', 'wpha.rsyslog.state', 'wpha.warmer']);
    expect(web).toContain('UserParameter=wpha.health,/usr/local/lib/wpha/zabbix/http-code http://127.0.0.1:80/wpha-health\n');
    const front = fileContent(render('front1').steps, AGENT_CONF);
    expect(front).toContain('HostMetadata=:wpha:common:haproxy:keepalived:zabbix_agent:logging:keepalived@front:\n');
    expect(keys(front)).toEqual(['wpha.haproxy', 'wpha.haproxy.state', 'wpha.keepalived.state', 'wpha.keepalived.vips', 'wpha.rsyslog.state']);
    expect(front).toContain('UserParameter=wpha.keepalived.vips,/usr/local/lib/wpha/zabbix/vips 172.31.250.10/24\n');
    const db = render('db1');
    expect(keys(fileContent(db.steps, AGENT_CONF))).toEqual([
      'wpha.keepalived.state',
      'wpha.keepalived.vips',
      'wpha.mysql',
      'wpha.mysql.state',
      'wpha.redis',
      'wpha.redis.state',
      'wpha.rsyslog.state',
    ]);
    for (const conf of [web, front]) {
      expect(conf).toMatch(/^Server=172\.31\.250\.31$/m);
      expect(conf).toMatch(/^ServerActive=172\.31\.250\.31:10051$/m);
      expect(conf).toContain('TLSConnect=psk\nTLSAccept=psk\nTLSPSKIdentity=wpha\nTLSPSKFile=/etc/zabbix/wpha/agent.psk\n');
    }
    // The key and the Redis password: files only the agent can read.
    expect(fileStep(db.steps, '/etc/zabbix/wpha/agent.psk').args).toMatchObject({ owner: 'zabbix', mode: '0400', sensitive: true });
    expect(fileStep(db.steps, '/etc/zabbix/wpha/redis.auth').args).toMatchObject({ owner: 'zabbix', mode: '0400', sensitive: true });
    expect(render('web1').skipped).toEqual(expect.arrayContaining(['zabbix_agent/Redis password for the agent', 'zabbix_agent/MariaDB account of the agent']));
  });

  it("the server's wanted configuration: macros, auto-registration PSK, keepalived groups, no Telegram in the lab", () => {
    const api = JSON.parse(fileContent(render('db1').steps, '/etc/zabbix/wpha/api.json')) as Record<string, unknown>;
    expect(api.url).toBe('http://127.0.0.1:8080/api_jsonrpc.php');
    expect((api.macros as Record<string, unknown>)['{$WPHA.INTERVAL}']).toBe('10s');
    expect(api.autoregistration).toEqual({ psk_identity: 'wpha', psk: inv.hosts.get('db1')!.vars.zabbix_agent_psk });
    expect(api.keepalived).toEqual([
      { host: 'front1', group: 'front', vips: ['172.31.250.10/24'] },
      { host: 'front2', group: 'front', vips: ['172.31.250.10/24'] },
      { host: 'db1', group: 'db_ha', vips: ['172.31.250.30/24'] },
      { host: 'db2', group: 'db_ha', vips: ['172.31.250.30/24'] },
      null,
    ]);
    expect((api.telegram as Record<string, unknown>).token).toBe('');
    expect(fileStep(render('db1').steps, '/etc/zabbix/wpha/api.json').args).toMatchObject({ mode: '0600', sensitive: true });
    const server = fileContent(render('db1').steps, '/etc/zabbix/zabbix_server.conf.d/wpha.conf');
    for (const line of ['AllowUnsupportedDBVersions=1', 'Timeout=10', 'StartPollers=2', 'StartDiscoverers=0']) expect(server).toMatch(new RegExp(`^${line}$`, 'm'));
  });

  it('the log host receives and rotates; every host forwards the files of its roles', () => {
    const db = render('db1');
    expect(fileContent(db.steps, '/etc/rsyslog.d/10-wpha-receiver.conf')).toContain('input(type="imrelp" port="2514" ruleset="wphaRemote"');
    expect(fileContent(db.steps, '/etc/logrotate.d/wpha-remote-logs')).toContain('rotate 30\n    maxage 30\n');
    expect(fileContent(db.steps, FORWARD)).toContain('File="/var/log/mysql/mariadb-slow.log" Tag="mariadb-slow:"');
    const web = render('web1');
    expect(web.skipped).toEqual(expect.arrayContaining(['logging/receiver (log host)', 'logging/rotation and retention (log host)']));
    const fwd = fileContent(web.steps, FORWARD);
    expect([...fwd.matchAll(/File="([^"]+)"/g)].map((m) => m[1])).toEqual(['/var/log/nginx/access.log', '/var/log/nginx/error.log', '/var/log/php8.2-fpm.log']);
    expect(fwd).toContain('global(net.enableDNS="off" localHostName="web1")');
    expect(fwd).toContain('target="172.31.250.31" port="2514"');
    // A front follows no file: no imfile module either (rsyslogd -N1 refuses imfile without files).
    expect(fileContent(render('front1').steps, FORWARD)).not.toContain('imfile');
    expect(fwd).toContain('module(load="imfile" mode="inotify")');
  });
});

describe('monitoring roles on the prod-example inventory', () => {
  let inv: Inventory;
  beforeAll(async () => {
    inv = await loadForRun({ inventory: 'prod-example', cwd: root });
  });

  it('the monitoring host: frontend for the cluster, Telegram off until its vault values are set, its own MariaDB', () => {
    const mon = expandHost(inv, 'mon1', labFacts('mon1', '10.20.0.51'));
    const api = JSON.parse(fileContent(mon.steps, '/etc/zabbix/wpha/api.json')) as { url: string; telegram: Record<string, unknown> };
    expect(api.url).toBe('http://10.20.0.51:8080/api_jsonrpc.php');
    expect(api.telegram).toEqual({ token: '', chat_id: '', api_url: 'https://api.telegram.org', min_severity: 3 });
    expect(fileContent(mon.steps, '/etc/nftables.conf')).toMatch(/tcp dport 8080 accept/);
    expect(fileContent(mon.steps, '/etc/mysql/mariadb.conf.d/60-wpha.cnf')).toContain('bind_address = 127.0.0.1\n');
    expect(fileContent(expandHost(inv, 'db1', labFacts('db1', '10.20.0.31')).steps, '/etc/nftables.conf')).not.toMatch(/dport 8080/);
  });

  it("renders Zabbix's own repository for a chosen version", async () => {
    const sha = 'a'.repeat(64);
    const zinv = await loadForRun({ inventory: 'prod-example', cwd: root, extraVars: ['zabbix_agent_source=zabbix', 'zabbix_agent_version="7.0"', `zabbix_agent_repo_key_sha256=${sha}`] });
    const { steps } = expandHost(zinv, 'web1', labFacts('web1', '10.20.0.21'));
    const key = steps.find((s) => s.task.op === 'apt_key')!;
    const repo = steps.find((s) => s.task.op === 'apt_repository')!;
    expect(key.args).toMatchObject({ name: 'zabbix', url: 'https://repo.zabbix.com/zabbix-official-repo.key', sha256: sha });
    expect(repo.args).toMatchObject({ name: 'zabbix', uris: ['https://repo.zabbix.com/zabbix/7.0/debian'], suites: ['bookworm'], components: ['main'], signed_by: '/etc/apt/keyrings/zabbix.asc' });
    // Debian's package by default: no repository.
    expect(expandHost(inv, 'web1', labFacts('web1', '10.20.0.21')).steps.some((s) => s.task.op === 'apt_repository')).toBe(false);
  });
});
