/**
 * Redis replication with Sentinel failover on three fresh lab hosts (redis + keepalived roles):
 * the first host starts as the master, the others replicate it, a sentinel on each host watches
 * it, and a virtual IP follows the master (keepalived's track command asks Redis for its role).
 * Stopping the master makes Sentinel promote a replica; the VIP moves to it; data written before
 * is still there. Re-applying starts the old master again, which Sentinel turns into a replica:
 * the role never puts the old master back (it does not write what Redis and Sentinel rewrite),
 * only drops the copies of its settings CONFIG REWRITE left in redis.conf, then changes nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { until } from '../helpers/until.js';
import { changedOf, failedOf, hostDone, jsonEvents, runWpha } from '../helpers/wpha-cli.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labAll = parse(readFileSync(path.join(root, 'inventories/lab/group_vars/all.yaml'), 'utf8')) as Record<string, unknown>;
const PASS = String(labAll.redis_password);

describe('redis replication with Sentinel failover and a VIP on the master', () => {
  let lab: LabHosts;
  let inv: string;
  let vip: string;
  let names: string[];
  let addr: string[];

  beforeAll(async () => {
    lab = await acquireLabHosts(3, 'sentinel');
    names = lab.hosts.map((h) => h.name);
    addr = lab.hosts.map((h) => h.address);
    vip = lab.reserveAddress();
    inv = writeLabInventory(lab, {
      groups: {
        redis: {
          hosts: [0, 1, 2],
          roles: ['redis', 'keepalived'],
          vars: {
            redis_replication_group: 'redis',
            redis_sentinel: true,
            keepalived_group: 'redis',
            keepalived_vips: [`${vip}/24`],
            keepalived_router_id: Number(vip.split('.')[3]),
            keepalived_auth_pass: 'lab-vrrp',
            keepalived_track_process: 'redis-server',
            keepalived_track_url: '',
            keepalived_track_command: '/usr/local/lib/wpha/redis-is-master',
            common_firewall_extra_rules: [`ip saddr { ${addr.join(', ')} } ip protocol vrrp accept`],
          },
        },
      },
      vars: labAll,
    }).dir;
  });
  afterAll(async () => lab?.release());

  const apply = () => runWpha(['apply', '-i', inv, '--json'], { timeoutMs: 900_000 });
  /** redis-cli on host i (the password on stdin, never on a command line). */
  const cli = async (i: number, args: string) => (await lab.ssh(names[i]!, `REDISCLI_AUTH="$(cat)" redis-cli ${args}`, { input: PASS })).stdout.trim();
  const holdsVip = async (i: number) => (await lab.ssh(names[i]!, 'ip -4 -o addr show')).stdout.includes(` ${vip}/`);

  const sentinelMaster = async (i: number) => (await lab.ssh(names[i]!, 'redis-cli -p 26379 --raw sentinel get-master-addr-by-name wpha | head -n 1')).stdout.trim();
  const vipHolders = async () => (await Promise.all([0, 1, 2].map(holdsVip))).flatMap((h, i) => (h ? [i] : []));

  it('applies: the first host is the master with two replicas, three sentinels watch it, the VIP is on it', async () => {
    const r = await apply();
    expect(failedOf(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    expect((await cli(0, 'role')).split('\n')[0]).toBe('master');
    for (const i of [1, 2]) {
      const role = await until(
        `replica ${i} connected`,
        () => cli(i, 'role'),
        (v) => v.split('\n')[3] === 'connected',
        30,
      );
      expect(role.split('\n').slice(0, 2)).toEqual(['slave', addr[0]]);
    }
    // Each sentinel found the two replicas and the two other sentinels.
    for (const i of [0, 1, 2]) {
      const info = await until(
        `sentinel ${i} discovery`,
        async () => (await lab.ssh(names[i]!, 'redis-cli -p 26379 --raw sentinel master wpha | paste - - | grep -E "^(num-slaves|num-other-sentinels|quorum)\\s"')).stdout.trim(),
        (v) => v === 'num-slaves\t2\nnum-other-sentinels\t2\nquorum\t2',
        40,
      );
      expect(info).toBe('num-slaves\t2\nnum-other-sentinels\t2\nquorum\t2');
    }
    expect(await until('VIP on the master', vipHolders, (v) => v.length === 1 && v[0] === 0, 20)).toEqual([0]);
    expect(await cli(1, `-h ${vip} set wpha:before failover`)).toBe('OK');
    // The check keepalived runs holds the password: root only.
    expect((await lab.ssh(names[0]!, 'stat -c "%a %U" /usr/local/lib/wpha/redis-is-master /etc/redis/sentinel.conf')).stdout).toBe('700 root\n640 redis');
  }, 900_000);

  it('a second apply changes nothing', async () => {
    const r = await apply();
    expect(changedOf(r.stdout)).toEqual([]);
    for (const h of names) expect(hostDone(jsonEvents(r.stdout), h)?.recap).toMatchObject({ changed: 0, failed: 0 });
  });

  it('the master stops: Sentinel promotes a replica, the VIP follows it, the data is there', async () => {
    expect((await lab.ssh(names[0]!, 'systemctl stop redis-server')).code).toBe(0);
    const promoted = await until(
      'a new master',
      () => sentinelMaster(1),
      (v) => v !== '' && v !== addr[0],
      60,
    );
    const m = addr.indexOf(promoted);
    expect([1, 2]).toContain(m);
    expect((await cli(m, 'role')).split('\n')[0]).toBe('master');
    expect(await until('VIP on the new master', vipHolders, (v) => v.length === 1 && v[0] === m, 30)).toEqual([m]);
    const other = m === 1 ? 2 : 1;
    expect(await cli(other, `-h ${vip} get wpha:before`)).toBe('failover');
    expect(await cli(other, `-h ${vip} set wpha:after failover`)).toBe('OK');
  }, 120_000);

  it('re-applying restarts the old master as a replica of the new one, drops the rewritten copies, then changes nothing', async () => {
    const newMaster = await sentinelMaster(1);
    const m = addr.indexOf(newMaster);
    const r = await apply();
    expect(failedOf(r.stdout)).toEqual([]);
    expect(changedOf(r.stdout)).toContain(`${names[0]} Redis running`);
    // Sentinel turns the returning host into a replica of the current master.
    const role = await until(
      'old master demoted',
      () => cli(0, 'role'),
      (v) => v.split('\n')[0] === 'slave' && v.split('\n')[1] === newMaster && v.split('\n')[3] === 'connected',
      60,
    );
    expect(role.split('\n')[1]).toBe(newMaster);
    expect(await cli(0, 'get wpha:after')).toBe('failover');
    // Sentinel's CONFIG REWRITE copied settings into redis.conf; the next apply drops only those.
    const again = await apply();
    expect(failedOf(again.stdout)).toEqual([]);
    expect(changedOf(again.stdout).filter((c) => !c.endsWith(' settings Redis rewrote stay in wpha.conf'))).toEqual([]);
    // Every host was rewritten once (the promoted one, the other replica, the returning one):
    // each had its copies dropped, by this apply or the one before.
    const dropped = [...changedOf(r.stdout), ...changedOf(again.stdout)].filter((c) => c.endsWith(' settings Redis rewrote stay in wpha.conf')).map((c) => c.split(' ')[0]);
    expect([...new Set(dropped)].sort()).toEqual([...names].sort());
    const last = await apply();
    expect(changedOf(last.stdout)).toEqual([]);
    // Nothing was put back: the promoted host is still the master, the VIP still on it.
    expect(await sentinelMaster(0)).toBe(newMaster);
    expect((await cli(m, 'role')).split('\n')[0]).toBe('master');
    expect(await vipHolders()).toEqual([m]);
    expect(
      (await lab.ssh(names[0]!, `grep -c '^replicaof ${newMaster} 6379$' /etc/redis/redis.conf; /usr/local/lib/wpha/redis-conf-copies check < /etc/redis/redis.conf && echo clean`)).stdout.trim(),
    ).toBe('1\nclean');
  }, 900_000);
});
