/**
 * The monitoring and logging tier on two fresh lab hosts (see monitoring-lab.ts): Zabbix server
 * with its database, a MariaDB replica, agents with PSK, auto-registration, Zabbix's real Telegram webhook posting
 * to a recording receiver (the one stand-in: the Telegram API is not reachable), and rsyslog
 * forwarding over RELP to the central log host.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { failedOf, hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';
import { RECEIVER_LOG, RECEIVER_PORT, VAULT_PASSWORD, writeMonitoringInventory, type MonitoringLab } from './monitoring-lab.js';
import { until } from '../helpers/until.js';

const here = path.dirname(new URL(import.meta.url).pathname);

describe('monitoring (Zabbix) and central logs', () => {
  let lab: LabHosts;
  let m: MonitoringLab;
  const on = (host: string, cmd: string, input?: string) => lab.ssh(host, cmd, input === undefined ? {} : { input });
  const apply = () => runWpha(['apply', '-i', m.inv, '--json'], { timeoutMs: 1_500_000, env: { WPHA_VAULT_PASSWORD: VAULT_PASSWORD } });
  /** zabbix_get on the server host, towards an agent; `tls` false asks without encryption. */
  const zget = async (address: string, key: string, tls: 'psk' | 'none' | 'wrong' = 'psk') => {
    const args = tls === 'none' ? '' : `--tls-connect psk --tls-psk-identity wpha --tls-psk-file ${tls === 'psk' ? '/root/agent.psk' : '/root/wrong.psk'}`;
    const r = await on(m.mon.name, `zabbix_get -s ${address} -k '${key}' ${args}`);
    return { code: r.code, out: r.stdout.trim(), err: r.stderr.trim() };
  };
  const api = async (method: string, params: unknown) => JSON.parse((await on(m.mon.name, `python3 /root/zbx-api.py ${method} '${JSON.stringify(params)}'`)).stdout) as Record<string, unknown>[];
  const messages = async () =>
    (await on(m.mon.name, `cat ${RECEIVER_LOG} 2>/dev/null`)).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { at: number; text: string; chat_id: string; token_length: number; method_ok: boolean });

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'mon');
    m = writeMonitoringInventory(lab);
    // The receiver standing in for the Telegram API, and the API query helper, on the server host.
    expect((await on(m.mon.name, 'cat > /root/telegram-receiver.py', readFileSync(path.join(here, '../../bench/monitoring/telegram-receiver.py'), 'utf8'))).code).toBe(0);
    expect((await on(m.mon.name, 'cat > /root/zbx-api.py', readFileSync(path.join(here, '../../bench/monitoring/zbx-api.py'), 'utf8'))).code).toBe(0);
    expect((await on(m.mon.name, `systemd-run --unit=telegram-receiver python3 /root/telegram-receiver.py ${RECEIVER_PORT} ${RECEIVER_LOG}`)).code).toBe(0);
  }, 900_000);
  afterAll(async () => lab?.release());

  it('applies: server, agents, logging, with the vault secrets', async () => {
    const r = await apply();
    expect(failedOf(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    // The key is readable by the agent only; the item scripts and the agent's config hold no secret.
    for (const h of [m.mon.name, m.web.name]) {
      expect((await on(h, 'stat -c "%a %U" /etc/zabbix/wpha/agent.psk')).stdout.trim()).toBe('400 zabbix');
      expect((await on(h, `grep -rl ${m.psk} /etc/zabbix/zabbix_agent2.d /usr/local/lib/wpha/zabbix | wc -l`)).stdout.trim()).toBe('0');
    }
    expect(r.stdout).not.toContain(m.psk);
    expect(r.stdout).not.toContain(m.telegramToken);
    await on(m.mon.name, `cp /etc/zabbix/wpha/agent.psk /root/agent.psk && chmod 600 /root/agent.psk && openssl rand -hex 32 > /root/wrong.psk`);
  }, 1_500_000);

  it('zabbix_get over PSK reads real values of the keys each host runs, and nothing else', async () => {
    const web = m.web.address;
    const mon = m.mon.address;
    expect((await zget(web, 'wpha.nginx.state')).out).toBe('active');
    expect(Number((await zget(web, 'wpha.nginx[requests]')).out)).toBeGreaterThan(0);
    expect((await zget(web, 'wpha.fpm.state')).out).toBe('active');
    expect((await zget(web, 'wpha.fpm[ping]')).out).toBe('1');
    expect(Number((await zget(web, 'wpha.fpm[active_processes]')).out)).toBeGreaterThanOrEqual(1);
    expect((await zget(web, 'wpha.health')).out).toBe('200');
    expect(Number((await zget(web, 'wpha.warmer[age]')).out)).toBeGreaterThanOrEqual(-1);
    // The virtual IP is on exactly one of the two keepalived peers (whichever won the election).
    const vips = [(await zget(web, 'wpha.keepalived.vips')).out, (await zget(mon, 'wpha.keepalived.vips')).out];
    expect(vips.sort()).toEqual(['0', '1']);
    // MariaDB: mon is the writable primary, web its read-only replica, replicating.
    expect((await zget(mon, 'wpha.mysql[ping]')).out).toBe('1');
    expect((await zget(mon, 'wpha.mysql[read_only]')).out).toBe('0');
    expect((await zget(mon, 'wpha.mysql[replica]')).out).toBe('0');
    expect((await zget(mon, 'wpha.mysql[replica_lag]')).out).toBe('-1');
    expect((await zget(web, 'wpha.mysql.state')).out).toBe('active');
    expect((await zget(web, 'wpha.mysql[read_only]')).out).toBe('1');
    expect((await zget(web, 'wpha.mysql[replica]')).out).toBe('1');
    expect((await zget(web, 'wpha.mysql[replica_io]')).out).toBe('1');
    expect((await zget(web, 'wpha.mysql[replica_sql]')).out).toBe('1');
    expect(Number((await zget(web, 'wpha.mysql[replica_lag]')).out)).toBeGreaterThanOrEqual(0);
    // No Galera here (the keys say so; recorded Galera answers are in the unit test).
    expect((await zget(mon, 'wpha.mysql[galera_size]')).out).toBe('0');
    expect((await zget(mon, 'wpha.redis[role]')).out).toBe('master');
    expect(Number((await zget(mon, 'wpha.redis[used_memory]')).out)).toBeGreaterThan(100_000);
    expect((await zget(mon, 'wpha.redis[maxmemory]')).out).toBe(String(64 * 1024 * 1024));
    expect((await zget(mon, 'wpha.haproxy[up]')).out).toBe('1');
    expect((await zget(mon, 'wpha.haproxy[down]')).out).toBe('0');
    expect((await zget(mon, 'wpha.rsyslog.state')).out).toBe('active');
    expect(Number((await zget(mon, 'vfs.fs.size[/,pused]')).out)).toBeGreaterThan(0);
    // A key of a role the host does not run is not defined there.
    expect((await zget(web, 'wpha.redis[ping]')).out).toContain('ZBX_NOTSUPPORTED');
    expect((await zget(mon, 'wpha.nginx.state')).out).toContain('ZBX_NOTSUPPORTED');
  });

  it('the agent refuses a request without the PSK or with another key', async () => {
    for (const tls of ['none', 'wrong'] as const) {
      const r = await zget(m.web.address, 'agent.ping', tls);
      expect(r.code, `${tls}: ${r.out}`).not.toBe(0);
      expect(r.out).not.toBe('1');
    }
    expect((await on(m.web.name, 'grep -c -e "cannot accept unencrypted connection" -e "decryption failed\\|bad record mac\\|invalid PSK" /var/log/zabbix/zabbix_agent2.log')).stdout.trim()).not.toBe(
      '0',
    );
  });

  it('both hosts registered themselves with the templates of their roles, encrypted with the PSK', async () => {
    const hosts = await until(
      'both hosts registered with their templates',
      () => api('host.get', { filter: { host: [m.mon.name, m.web.name] }, output: ['host', 'tls_connect', 'tls_accept'], selectParentTemplates: ['name'], selectGroups: ['name'] }),
      (v) => v.length === 2 && v.every((h) => (h.parentTemplates as unknown[]).length >= 6),
      180,
    );
    // The replica's state reaches the server, and "Replication is broken" is not raised.
    await until(
      'the server collects the replica state',
      () => api('item.get', { host: m.web.name, filter: { key_: 'wpha.mysql[replica_sql]' }, output: ['lastvalue'] }),
      (v) => v[0]?.lastvalue === '1',
      240,
      3000,
    );
    expect(await api('problem.get', { hostids: [hosts.find((h) => h.host === m.web.name)!.hostid], search: { name: 'Replication' }, output: ['name'] })).toEqual([]);
    const templates = (name: string) => (hosts.find((h) => h.host === name)!.parentTemplates as { name: string }[]).map((t) => t.name).sort();
    expect(templates(m.web.name)).toEqual(['wpha base', 'wpha cache warmer', 'wpha keepalived', 'wpha logging', 'wpha mariadb', 'wpha nginx', 'wpha php-fpm', 'wpha wordpress']);
    expect(templates(m.mon.name)).toEqual(['wpha base', 'wpha haproxy', 'wpha keepalived', 'wpha logging', 'wpha mariadb', 'wpha redis']);
    for (const h of hosts) expect([h.tls_connect, h.tls_accept]).toEqual(['2', '2']);
    expect((hosts.find((h) => h.host === m.web.name)!.groups as { name: string }[]).map((g) => g.name)).toContain('wpha keepalived front');
    // The cluster host sums who holds the front group's virtual IP: exactly one.
    const holders = await until(
      'the cluster host sees one VIP holder',
      async () => (await api('item.get', { host: 'wpha cluster', search: { key_: 'wpha.vip.holders' }, output: ['lastvalue'] }))[0]?.lastvalue,
      (v) => v === '1',
      240,
      3000,
    );
    expect(holders).toBe('1');
  }, 600_000);

  it('a second apply changes nothing', async () => {
    const r = await apply();
    expect(
      tasksOf(jsonEvents(r.stdout))
        .filter((t) => t.status === 'changed')
        .map((t) => `${t.host} ${t.task}`),
    ).toEqual([]);
    for (const h of [m.mon.name, m.web.name]) expect(hostDone(jsonEvents(r.stdout), h)?.recap).toMatchObject({ changed: 0, failed: 0 });
    // The API client, run by hand, finds nothing to change either.
    expect((await on(m.mon.name, 'cd /usr/local/lib/wpha/zabbix-server && python3 wpha-zabbix-sync /etc/zabbix/wpha/api.json templates.yaml')).stdout.trim()).toBe('0 change(s)');
  }, 900_000);

  it('PHP-FPM stops: Telegram gets the problem naming the host, then the recovery', async () => {
    const fpmState = () => api('item.get', { host: m.web.name, filter: { key_: 'wpha.fpm.state' }, output: ['lastvalue', 'lastclock'] });
    await until('the server collects PHP-FPM state of the web node', fpmState, (v) => v[0]?.lastvalue === 'active', 240, 2000);
    const problem = `PHP-FPM is down on ${m.web.name}`;
    const t0 = Date.now() / 1000;
    expect((await on(m.web.name, 'systemctl stop php8.2-fpm')).code).toBe(0);
    const down = await until('the problem message', messages, (v) => v.some((x) => x.text.startsWith(`Problem: ${problem}`)), 300, 1000);
    const msg = down.find((x) => x.text.startsWith(`Problem: ${problem}`))!;
    expect(msg.text).toContain(`Host: ${m.web.name}`);
    expect(msg.chat_id).toBe('-1001234567');
    expect([msg.method_ok, msg.token_length]).toEqual([true, m.telegramToken.length]);
    const t1 = Date.now() / 1000;
    expect((await on(m.web.name, 'systemctl start php8.2-fpm')).code).toBe(0);
    const up = await until('the recovery message', messages, (v) => v.some((x) => x.text.startsWith('Resolved') && x.text.includes(problem)), 300, 1000);
    const rec = up.find((x) => x.text.startsWith('Resolved') && x.text.includes(problem))!;
    console.log(`[monitoring] fault to Telegram message: ${(msg.at - t0).toFixed(1)} s; recovery to message: ${(rec.at - t1).toFixed(1)} s`);
  }, 900_000);

  it("a line nginx logs on the web node arrives in that node's file on the log host", async () => {
    const marker = `wpha-log-probe-${Date.now()}`;
    await on(m.web.name, `curl -s -o /dev/null http://127.0.0.1/${marker}`);
    const line = await until(
      'the nginx line on the log host',
      async () => (await on(m.mon.name, `grep -h ${marker} /var/log/remote/${m.web.name}/nginx-access.log`)).stdout.trim(),
      (v) => v !== '',
      60,
    );
    expect(line).toContain(`${m.web.name} nginx-access: 127.0.0.1`);
    expect(line).toContain(`"GET /${marker} HTTP/1.1" 404`);
    // Per host and program: the system log of each host has its files too.
    expect((await on(m.mon.name, `ls /var/log/remote/${m.web.name}/ /var/log/remote/${m.mon.name}/`)).stdout).toMatch(/sshd\.log[\s\S]*sshd\.log/);
  });

  it('the log host stops for a minute while lines are written: every line arrives, in order, once', async () => {
    const run = `wpha-outage-${Date.now()}`;
    const n = 300;
    // 300 nginx requests, one every 0.2 s (about 70 s in all), numbered.
    expect((await on(m.web.name, `systemd-run --unit=${run} sh -c 'i=1; while [ $i -le ${n} ]; do curl -s -o /dev/null http://127.0.0.1/${run}-$i; i=$((i+1)); sleep 0.2; done'`)).code).toBe(0);
    await new Promise((r) => setTimeout(r, 5000));
    expect((await on(m.mon.name, 'systemctl stop syslog.socket rsyslog.service; systemctl is-active rsyslog')).stdout.trim()).not.toBe('active');
    await new Promise((r) => setTimeout(r, 60_000));
    const during = Number((await on(m.web.name, `grep -c ${run} /var/log/nginx/access.log`)).stdout.trim());
    expect((await on(m.mon.name, 'systemctl start syslog.socket rsyslog.service')).code).toBe(0);
    await until(
      'the writer finished',
      async () => (await on(m.web.name, `systemctl is-active ${run}`)).stdout.trim(),
      (v) => v !== 'active' && v !== 'activating',
      180,
    );
    expect(Number((await on(m.web.name, `grep -c ${run} /var/log/nginx/access.log`)).stdout.trim())).toBe(n);
    const seq = async () => (await on(m.mon.name, `grep -o '${run}-[0-9]*' /var/log/remote/${m.web.name}/nginx-access.log | sed 's/.*-//'`)).stdout.split('\n').filter(Boolean).map(Number);
    const got = await until('every line on the log host', seq, (v) => v.length >= n, 120);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    console.log(`[logging] ${n} lines, ${during} written before the log host came back after 60 s: ${got.length} arrived, in order, none twice`);
  }, 600_000);
});
