/**
 * The front tier on lab hosts: two front servers (haproxy + keepalived holding a virtual IP) in
 * front of two web nodes (an nginx page cache over static pages, see fixtures/roles), and a
 * fifth host as the client. Proves: the site answers through the VIP from both web nodes; a
 * second apply changes nothing; planned work on the VIP holder loses no request (a restart of
 * HAProxy through wpha moves the VIP first, a config change and a package upgrade reload it, a
 * stop of keepalived hands the VIP over; when the VIP moves, a connection open at the switch's
 * instant may be reset by the new owner: one such reset is allowed, nothing else); unplanned
 * failures move the VIP within seconds with only 200s after (HAProxy killed: at once; HAProxy
 * hung: the track check); a stopped web node is taken out while requests keep succeeding; a
 * drained node gets no new requests, stays drained across a reload, and comes back when ready. Each failover's figures are printed
 * (failed requests and seconds, for a client making a new 1 s-timeout request every ~100 ms).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents, tasksOf, hostDone } from '../helpers/wpha-cli.js';
import { aroundFirstFailure, failedRequests, loopAround, outageLine, outageOf, wasReset, type Sample } from './client-loop.js';

const FIXTURES = 'test/front/fixtures/roles';

describe('front tier: haproxy + keepalived on lab hosts', () => {
  let lab: LabHosts;
  let inv: string;
  let vip: string;
  let f1: string, f2: string, w1: string, w2: string, client: string;
  /** The front server holding the VIP after the first apply, and the other one. */
  let master: string, backup: string;
  const t0 = Date.now();

  beforeAll(async () => {
    lab = await acquireLabHosts(5, 'front');
    [f1, f2, w1, w2, client] = lab.hosts.map((h) => h.name) as [string, string, string, string, string];
    vip = lab.reserveAddress();
    inv = writeLabInventory(lab, {
      groups: {
        // The fixture's web nodes serve a static health page (no WordPress, no database).
        front: { hosts: [0, 1], roles: ['haproxy', 'keepalived'], vars: { haproxy_health_path: '/health.php' } },
        web: { hosts: [2, 3], roles: ['cached_static'] },
      },
      roleDirs: [FIXTURES],
      // keepalived_interface is left to facts.default_interface (host0 in the lab).
      vars: { keepalived_vips: [`${vip}/24`], keepalived_auth_pass: 'lab-vrrp', keepalived_router_id: Number(vip.split('.')[3]) },
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
    process.stderr.write(`[front-tier] ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  });

  const holdsVip = async (h: string) => (await lab.ssh(h, 'ip -4 -o addr show')).stdout.includes(` ${vip}/`);
  const waitFor = async (what: string, check: () => Promise<boolean>, seconds: number) => {
    for (let i = 0; i < seconds * 2; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`Timed out after ${seconds} s waiting for: ${what}`);
  };
  const get = async (n: number) => {
    const r = await lab.ssh(client, `for i in $(seq ${n}); do curl -s -m 2 -o /dev/null -w '%{http_code} %header{x-served-by}\\n' http://${vip}/; done`);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]);
  };
  const lbStatus = async (front: string) => {
    const r = await lab.ssh(front, 'wpha-lb status');
    expect(r.code).toBe(0);
    return Object.fromEntries(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' '))
        .map(([name, status]) => [name, status]),
    );
  };
  const expectCleanSwitch = (samples: Sample[]) => {
    const o = outageOf(samples);
    expect(o.total).toBeGreaterThan(40);
    expect(o.outageMs).toBeLessThanOrEqual(5000);
    // After the switch: only 200s, for a good while.
    expect(o.after).toBeGreaterThan(20);
    expect(samples.slice(-20).every((s) => s.code === 200)).toBe(true);
    return o;
  };

  it('apply: the site answers 200 through the VIP from both web nodes; one front holds the VIP', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await waitFor('the VIP on a front server', async () => (await holdsVip(f1)) || (await holdsVip(f2)), 20);
    // Priorities 150 / 140, but with nopreempt the first server up may keep the VIP: either is right, never both.
    [master, backup] = (await holdsVip(f1)) ? [f1, f2] : [f2, f1];
    expect(await holdsVip(backup)).toBe(false);
    const answers = await get(6);
    expect(answers.map(([code]) => code)).toEqual(['200', '200', '200', '200', '200', '200']);
    // No stickiness: round robin over both nodes.
    expect(new Set(answers.map(([, by]) => by))).toEqual(new Set([w1, w2]));
    const body = await lab.ssh(client, `curl -s http://${vip}/a/`);
    expect(body.stdout).toMatch(new RegExp(`^<h1>a from (${w1}|${w2})</h1>$`));
    // Cluster-only endpoints are refused at the edge.
    expect((await lab.ssh(client, `curl -s -o /dev/null -w '%{http_code}' http://${vip}/purge/a/`)).stdout).toBe('403');
    expect(await lbStatus(master)).toEqual({ [w1]: 'UP', [w2]: 'UP' });
  });

  it('second apply changes nothing', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code).toBe(0);
    const ev = jsonEvents(r.stdout);
    for (const h of [f1, f2, w1, w2]) {
      expect(
        tasksOf(ev, h)
          .filter((t) => t.status === 'changed')
          .map((t) => t.task),
      ).toEqual([]);
      expect(hostDone(ev, h)?.recap).toMatchObject({ changed: 0, failed: 0 });
    }
  });

  /** The front holding the VIP now, and the other one. */
  const holderAndOther = async () => ((await holdsVip(f1)) ? [f1, f2] : [f2, f1]) as [string, string];
  const lastVrrpState = async (h: string) => (await lab.ssh(h, "journalctl -u keepalived --no-pager -o cat | grep 'Entering' | tail -n 1")).stdout;
  /** Requests through the VIP around `action` on the VIP holder; the figures are printed. */
  const aroundHolder = async (label: string, action: (holder: string) => Promise<unknown>, afterMs = 8000) => {
    const [holder, other] = await holderAndOther();
    const samples = await loopAround(lab, client, `http://${vip}/`, 3000, afterMs, () => action(holder));
    const o = outageOf(samples);
    // Each failed request with when it started and what it got (000: no answer; curl's exit
    // status), to tell a reset at the VIP's switch from a timeout or an error page.
    const failed = failedRequests(samples);
    process.stderr.write(`[front-tier] ${label}: ${outageLine(o)}${failed.length ? ` [${failed.join(', ')}]` : ''}\n`);
    return { o, samples, holder, other };
  };
  /**
   * A planned move of the VIP: no request fails, save at most one whose connection the new owner
   * reset (open at the instant the client learned of it: docs/front-failover.md, what the
   * hand-over cannot save). A timeout, a refusal or an error page fails the test, as does a
   * second reset.
   */
  const expectNoLossButTheSwitchInstant = (samples: Sample[]) => {
    const failed = samples.filter((x) => x.code !== 200);
    expect(failedRequests(failed.filter((x) => !wasReset(x)))).toEqual([]);
    expect(failed.length).toBeLessThanOrEqual(1);
  };
  const wphaRun = async (host: string, cmd: string) => {
    const r = await runWpha(['run', '-i', inv, '-l', host, cmd]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  };
  /** Both fronts in the election again: one holds the VIP, the other is a backup. */
  const bothInElection = async () => {
    const [, other] = await holderAndOther();
    await waitFor(`${other} back as a backup`, async () => (await lastVrrpState(other)).includes('Entering BACKUP STATE'), 20);
  };

  it('planned: a restart of HAProxy through wpha moves the VIP to the other front first; no request fails but one open at the switch', async () => {
    const { o, samples, holder, other } = await aroundHolder('planned HAProxy restart (wpha run)', (h) => wphaRun(h, 'systemctl restart haproxy'));
    expect(o.total).toBeGreaterThan(40);
    expectNoLossButTheSwitchInstant(samples);
    expect(await holdsVip(other)).toBe(true);
    expect(await holdsVip(holder)).toBe(false);
    // The restarted server is back in the election as a backup: no preemption, the VIP stays.
    await bothInElection();
    expect((await lab.ssh(holder, 'wpha-vip status')).stdout).toBe('standby 0; vrrp -; hold -');
  });

  it('planned: a config change reloads HAProxy on both fronts (wpha apply); no request fails, the VIP stays', async () => {
    let applied: Awaited<ReturnType<typeof runWpha>> | undefined;
    const { o, holder } = await aroundHolder('planned config change (apply, HAProxy reload)', async () => {
      applied = await runWpha(['apply', '-i', inv, '-l', 'front', '-e', 'haproxy_maxconn=4000', '--json']);
    });
    expect(applied?.code, applied?.stdout).toBe(0);
    const reloads = tasksOf(jsonEvents(applied!.stdout)).filter((t) => t.task === 'reload haproxy' && t.status === 'changed');
    expect(reloads.map((t) => t.host).sort()).toEqual([f1, f2].sort());
    expect(o.failed).toBe(0);
    expect(await holdsVip(holder)).toBe(true);
  });

  it('planned: an upgrade of the HAProxy package on the VIP holder (its postinst reloads) loses no request', async () => {
    const { o } = await aroundHolder('planned HAProxy package upgrade (reinstall)', (h) => wphaRun(h, 'DEBIAN_FRONTEND=noninteractive apt-get install --reinstall -y -q haproxy'));
    expect(o.total).toBeGreaterThan(40);
    expect(o.failed).toBe(0);
  });

  it("planned: stopping the holder's keepalived (maintenance, its upgrade) hands the VIP over first; no request fails but one open at the switch", async () => {
    const { o, samples, holder, other } = await aroundHolder('planned keepalived stop', (h) => wphaRun(h, 'systemctl stop keepalived'));
    expect(o.total).toBeGreaterThan(40);
    expectNoLossButTheSwitchInstant(samples);
    expect(await holdsVip(other)).toBe(true);
    expect(await holdsVip(holder)).toBe(false);
    await lab.ssh(holder, 'systemctl start keepalived');
    await bothInElection();
  });

  it('unplanned: HAProxy killed on the VIP holder: the VIP leaves at once, systemd restarts HAProxy there as a backup', async () => {
    const { o, samples, holder, other } = await aroundHolder('unplanned HAProxy crash (SIGKILL)', (h) => lab.ssh(h, 'kill -9 $(systemctl show -p MainPID --value haproxy)'));
    expectCleanSwitch(samples);
    expect(o.outageMs).toBeLessThanOrEqual(2000);
    expect(await holdsVip(other)).toBe(true);
    expect(await holdsVip(holder)).toBe(false);
    expect((await lab.ssh(holder, 'systemctl is-active haproxy')).stdout).toBe('active');
    await bothInElection();
  });

  it('unplanned: HAProxy hung on the VIP holder: the track check takes that server out of the election', async () => {
    const { samples, holder, other } = await aroundHolder('unplanned HAProxy hang (SIGSTOP)', async (h) => {
      await lab.ssh(h, 'kill -STOP $(pidof haproxy)');
      await waitFor(`the VIP off ${h}`, async () => !(await holdsVip(h)), 20);
    });
    try {
      expectCleanSwitch(samples);
      expect(await holdsVip(other)).toBe(true);
      expect((await lab.ssh(holder, 'journalctl -u keepalived --no-pager')).stdout).toMatch(/Entering FAULT STATE/);
    } finally {
      await lab.ssh(holder, 'kill -CONT $(pidof haproxy)');
    }
    await bothInElection();
  });

  it('a stopped web node is taken out (DOWN on the stats socket) while requests keep succeeding', async () => {
    let stoppedAt = 0;
    try {
      const s = await loopAround(lab, client, `http://${vip}/`, 2000, 10_000, async () => {
        stoppedAt = Number((await lab.ssh(w1, 'systemctl stop nginx; date +%s%3N')).stdout);
      });
      await waitFor(`${w1} DOWN on ${master}`, async () => (await lbStatus(master))[w1] === 'DOWN', 15);
      expect((await lbStatus(backup))[w1]).toBe('DOWN');
      // The loop ran on while the node was down (the hosts share the machine's clock)...
      expect(s.filter((x) => x.t > stoppedAt + 3000).length).toBeGreaterThan(10);
      // ...and a refused connection is retried on the other node: no visitor sees an error. A
      // failure says when it came relative to the stop, and by which node the requests around it
      // were served (a curl timeout, exit 28, is a request that took over 1 s).
      expect(
        s.filter((x) => x.code !== 200),
        `nginx stopped on ${w1} at 0 ms; around the first failure:\n${aroundFirstFailure(s, stoppedAt)}`,
      ).toEqual([]);
      expect(s.filter((x) => x.t > stoppedAt && x.by === w1)).toEqual([]);
      expect((await get(6)).every(([code, by]) => code === '200' && by === w2)).toBe(true);
    } finally {
      await lab.ssh(w1, 'systemctl start nginx');
    }
    await waitFor(`${w1} UP again`, async () => (await lbStatus(master))[w1] === 'UP' && (await lbStatus(backup))[w1] === 'UP', 15);
    expect(new Set((await get(6)).map(([, by]) => by))).toEqual(new Set([w1, w2]));
  });

  it('a drained node gets no new requests, stays drained across a reload, and comes back when ready', async () => {
    // Rolling upgrades drain on every front server (each HAProxy has its own state).
    const d = await runWpha(['run', '-i', inv, '-l', 'front', `wpha-drain ${w1} --wait 10`]);
    expect(d.code).toBe(0);
    for (const f of [f1, f2]) {
      expect(d.stdout).toContain(`${f} | ${w1}: drain`);
      expect(d.stdout).toContain(`${f} | ${w1}: no open sessions`);
      expect(await lbStatus(f)).toEqual({ [w1]: 'DRAIN', [w2]: 'UP' });
    }

    const homeHits = async () => Number((await lab.ssh(w1, `grep -c ' / 200 ' /var/log/nginx/test.log || true`)).stdout);
    const before = await homeHits();
    const answers = await get(10);
    expect(answers.every(([code, by]) => code === '200' && by === w2)).toBe(true);
    expect(await homeHits()).toBe(before);

    // A reload (config change, package update) keeps the admin state: wpha-lb saved it.
    expect((await lab.ssh(master, 'wpha-lb reload')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await lbStatus(master))[w1]).toBe('DRAIN');

    const bad = await lab.ssh(master, `wpha-drain 'web1;reboot'`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a server name');
    const unknown = await lab.ssh(master, 'wpha-drain nosuch');
    expect(unknown.stderr).toContain('no server "nosuch" in backend "web"');

    const ready = await runWpha(['run', '-i', inv, '-l', 'front', `wpha-ready ${w1}`]);
    expect(ready.code).toBe(0);
    expect(await lbStatus(master)).toEqual({ [w1]: 'UP', [w2]: 'UP' });
    const after = await get(6);
    expect(after.filter(([, by]) => by === w1).length).toBeGreaterThan(0);
    expect(await homeHits()).toBeGreaterThan(before);
  });
});
