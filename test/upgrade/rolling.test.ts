/**
 * `wpha upgrade` on lab hosts: two front servers (HAProxy + keepalived holding a virtual IP) in
 * front of a web group whose two hosts are machines of the lab provider, and a client host
 * requesting pages through the virtual IP the whole time. Proves:
 *   - bad input (unknown image, --batch 0, --min-healthy 100% with no surge, a group with no
 *     health check) is refused before anything is made; --dry-run prints the plan, changes nothing;
 *   - the upgrade replaces every web machine with 0 failed requests; afterwards every web host
 *     runs the new image, the old machines are gone (no process, no disk), HAProxy and the state
 *     file agree, and a plain apply changes nothing;
 *   - a new host whose gate fails (an image that breaks the site for its Host name only) is
 *     destroyed, the old hosts are untouched and serving, the exit is non-zero naming the check;
 *   - an upgrade killed (SIGKILL) in the middle of a batch, run again: a consistent cluster, no
 *     orphan machine, no drained host left, 0 failed requests throughout.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execa } from 'execa';
import path from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { acquireLabHosts, sshRun, type LabHosts } from '../helpers/lab-hosts.js';
import { hostDone, jsonEvents, runWpha } from '../helpers/wpha-cli.js';
import { stopwatch } from '../helpers/stopwatch.js';
import { aroundFirstFailure, outageOf } from '../front/client-loop.js';
import { LabProvider } from '../../src/providers/lab.js';
import { writeProviderInventory, readStateFile } from './inventory.js';
import { labPid, labTrace, lbStatus, loopDuring, webMachines } from './cluster.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const env = process.env as Record<string, string>;
const wpha = (args: string[], timeoutMs = 1_200_000) => runWpha(args, { env, timeoutMs });
const bin = path.resolve(here, '../../bin/wpha');
const waitUntil = async (what: string, ok: () => boolean, seconds: number) => {
  for (let i = 0; i < seconds * 5; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out after ${seconds} s waiting for: ${what}`);
};

describe('wpha upgrade: canary rolling replacement of a web group', () => {
  let lab: LabHosts;
  let inv: string;
  let vip: string;
  let f1: string, f2: string, client: string;
  let good: string;
  const generations: string[] = [];
  const { seconds, timed } = stopwatch();

  const build = async (script: string, note: string) => {
    const r = await wpha(['image', 'build', '--from', 'base', '--no-upgrade', '--script', path.join(here, 'fixtures', script), '--note', note]);
    if (r.code !== 0) throw new Error(r.stderr);
    generations.push(r.stdout.trim());
    return r.stdout.trim();
  };
  /** Every web machine as the state says, as the lab has it, and as each front's HAProxy sees it. */
  const expectConsistent = async (image: string) => {
    const web = webMachines(inv);
    expect(web.map(([, m]) => [m.image, m.status])).toEqual(web.map(() => [image, 'serving']));
    expect(readStateFile(inv).rollout).toBeUndefined();
    const names = web.map(([n]) => n).sort();
    for (const f of [f1, f2]) expect(await lbStatus(lab, f)).toEqual(Object.fromEntries(names.map((n) => [n, 'UP'])));
    // No orphan: the lab has exactly the state's machines for this inventory.
    expect((await new LabProvider('lab', readStateFile(inv).id).list()).map((m) => m.name).sort()).toEqual(names);
    for (const [n, m] of web) {
      const marker = await sshRun(m.address!, 'cat /etc/wpha-image.json 2>/dev/null || echo base', lab);
      expect([n, marker.stdout === 'base' ? 'base' : JSON.parse(marker.stdout).generation]).toEqual([n, image]);
    }
    return names;
  };

  beforeAll(async () => {
    lab = await timed('acquire 3 hosts', () => acquireLabHosts(3, 'upg'));
    [f1, f2, client] = lab.hosts.map((h) => h.name) as [string, string, string];
    vip = lab.reserveAddress();
    inv = writeProviderInventory(
      lab,
      {
        groups: {
          front: { hosts: [0, 1], roles: ['haproxy', 'keepalived'], vars: { haproxy_health_path: '/health.php' } },
          web: { roles: ['cached_static'] },
          // A group with machines but no gate: an upgrade of it is refused.
          spare: { roles: ['cached_static'] },
        },
        roleDirs: ['test/front/fixtures/roles'],
        vars: { keepalived_vips: [`${vip}/24`], keepalived_auth_pass: 'lab-vrrp', keepalived_router_id: Number(vip.split('.')[3]) },
      },
      {
        web: {
          machines: { provider: 'lab', image: 'base', count: 2 },
          upgrade: {
            checks: [
              { name: 'home page', http: { path: '/', host: 'shop.test', contains: 'home from' } },
              { name: 'health page', http: { path: '/health.php' } },
              { name: 'nginx', command: 'systemctl is-active nginx' },
            ],
            soak: '5s',
            gate_timeout: '20s',
          },
        },
        spare: { machines: { provider: 'lab', image: 'base' } },
      },
    );
    good = await timed('build a generation', () => build('mark-generation.sh', 'rolling test: good'));
    const made = await timed('make 2 web machines', () => wpha(['machines', 'create', '-i', inv, '--group', 'web']));
    expect(made.code).toBe(0);
    const apply = await timed('first apply', () => wpha(['apply', '-i', inv, '--json']));
    expect(apply.code).toBe(0);
    // Both web machines UP on both fronts before the tests look.
    for (let i = 0; i < 40; i++) {
      const st = await Promise.all([f1, f2].map((f) => lbStatus(lab, f)));
      if (st.every((s) => Object.values(s).length === 2 && Object.values(s).every((x) => x === 'UP'))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await expectConsistent('base');
  });
  afterAll(async () => {
    const state = inv ? readStateFile(inv) : undefined;
    if (state) for (const m of await new LabProvider('lab', state.id).list()) await new LabProvider('lab', state.id).destroy(m.id);
    await lab?.release();
    for (const g of generations.reverse()) await wpha(['image', 'delete', g]);
    process.stderr.write(`[upgrade] times (s): ${JSON.stringify(seconds)}\n`);
  });

  it('refuses bad input before anything is made; --dry-run prints the plan and changes nothing', async () => {
    const before = JSON.stringify(readStateFile(inv));
    const hostsBefore = (await new LabProvider('lab', readStateFile(inv).id).list()).map((m) => m.name).sort();
    const cases: [string[], RegExp][] = [
      [['--group', 'web', '--image', 'g99999'], /Unknown image generation "g99999" for provider "lab"/],
      [['--group', 'web', '--image', good, '--batch', '0'], /Batch size "0" is not valid/],
      [['--group', 'web', '--image', good, '--min-healthy', '100%', '--max-surge', '0'], /No batch can proceed: --min-healthy 100% keeps all 2 hosts of group "web" serving/],
      [['--group', 'spare', '--image', good], /Group "spare" declares no health check \(groups\.spare\.upgrade\.checks in inventory\.yaml\)/],
      [['--group', 'front', '--image', good], /Group "front" has no "machines:" settings: its hosts are written in inventory\.yaml/],
    ];
    for (const [args, message] of cases) {
      const r = await wpha(['upgrade', '-i', inv, ...args]);
      expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), r.code === 65 ? 65 : 64, expect.stringMatching(message)]);
    }
    const dry = await wpha(['upgrade', '-i', inv, '--group', 'web', '--image', good, '--batch', '50%', '--checkpoints', '50%', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(
        `^Rolling upgrade of group "web" to image ${good}: 2 host\\(s\\), 2 to replace, at least 2 serving at every moment\\n  batch 1/2: make 1 host\\(s\\) from ${good}.*; pause at checkpoint 50% \\(wpha upgrade --continue\\)\\n  batch 2/2: `,
      ),
    );
    expect(JSON.stringify(readStateFile(inv))).toBe(before);
    expect((await new LabProvider('lab', readStateFile(inv).id).list()).map((m) => m.name).sort()).toEqual(hostsBefore);
  });

  it('replaces every web machine while a client requests pages through the virtual IP: 0 failed requests', async () => {
    const old = webMachines(inv).map(([n]) => ({ name: n, pid: labPid(n) }));
    const { samples, result } = await loopDuring(lab, client, `http://${vip}/`, 3000, () => timed('upgrade batch 1', () => wpha(['upgrade', '-i', inv, '--group', 'web', '--image', good, '--json'])));
    expect(result.stderr).toContain('Upgrade done');
    expect(result.code).toBe(0);
    const o = outageOf(samples);
    process.stderr.write(`[upgrade] ${o.total} requests during the upgrade, ${o.failed} failed\n`);
    expect(o.total).toBeGreaterThan(100);
    expect(
      samples.filter((s) => s.code !== 200),
      `requests from the loop's start (0 ms), around the first failure:\n${aroundFirstFailure(samples, samples[0]?.t ?? 0)}\nthe upgrade said:\n${result.stderr.slice(-3000)}`,
    ).toEqual([]);
    const now = await expectConsistent(good);
    expect(now.some((n) => old.some((x) => x.name === n))).toBe(false);
    // Requests were served by the old hosts, then by the new ones.
    expect(new Set(samples.map((s) => s.by))).toEqual(new Set([...old.map((x) => x.name), ...now]));
    for (const x of old) expect(labTrace(x.name, x.pid)).toEqual({ process: false, disk: false });
    // Every phase of both batches was reported.
    const phases = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'phase' && e.batch);
    expect([...new Set(phases.map((e) => e.phase))].sort()).toEqual(['converge', 'create', 'destroy', 'drain', 'gate', 'soak']);
    const again = jsonEvents((await wpha(['apply', '-i', inv, '--json'])).stdout);
    for (const h of [f1, f2, ...now]) expect(hostDone(again, h)?.recap).toMatchObject({ changed: 0, failed: 0 });
  });

  it('a new host whose gate fails is destroyed; the old hosts are untouched and serving; the exit names the check', async () => {
    const bad = await timed('build a broken generation', () => build('broken-site.sh', 'rolling test: breaks the site'));
    const before = webMachines(inv).map(([n]) => ({ name: n, pid: labPid(n) }));
    const { samples, result } = await loopDuring(lab, client, `http://${vip}/`, 2000, () =>
      timed('failed upgrade', () => wpha(['upgrade', '-i', inv, '--group', 'web', '--image', bad, '--gate-timeout', '6s'])),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed check "home page": HTTP 503 \(expected 200\): broken by the image\. The cluster is as it was/);
    const canary = /New host "(web-[0-9a-f]{4})" failed check/.exec(result.stderr)![1]!;
    expect(labTrace(canary, undefined).disk).toBe(false);
    // The old hosts: the same machines (same nspawn processes), serving, the only ones in HAProxy.
    expect(
      webMachines(inv)
        .map(([n]) => ({ name: n, pid: labPid(n) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual(before.sort((a, b) => a.name.localeCompare(b.name)));
    await expectConsistent(good);
    expect(samples.filter((s) => s.code !== 200)).toEqual([]);
    expect(samples.filter((s) => s.by === canary)).toEqual([]);
  });

  it('killed (SIGKILL) in the middle of a batch, twice, then run again: consistent, no orphan, no drained host left, 0 failed requests', async () => {
    // To whichever image the hosts are not on (the earlier tests leave them on the good one).
    const target = webMachines(inv).every(([, m]) => m.image === 'base') ? good : 'base';
    const args = ['upgrade', '-i', inv, '--group', 'web', '--image', target, '--batch', '2'];
    const marks: string[] = [];
    const mark = (what: string) => marks.push(`${Date.now()} ${what}`);
    const killWhen = async (what: string, ok: () => boolean) => {
      mark(`start, kill when ${what}`);
      const child = execa('node', [bin, ...args], { env: { ...env, CI: '1' }, reject: false });
      // A run that ends before the moment comes is a failure to show, not a wait to time out.
      let ended: { exitCode?: number; stderr: unknown } | undefined;
      void child.then((r) => (ended = r));
      try {
        await waitUntil(what, () => ok() || ended !== undefined, 240);
      } catch (e) {
        child.kill('SIGKILL');
        throw new Error(`${(e as Error).message}; the run said:\n${String((await child).stderr).slice(-3000)}`);
      }
      if (ended && !ok()) throw new Error(`the run ended (exit ${ended.exitCode}) before ${what}:\n${String(ended.stderr).slice(-3000)}`);
      child.kill('SIGKILL');
      mark('killed');
      const r = await child;
      expect(r.signal).toBe('SIGKILL');
      return r;
    };
    const { samples, result } = await loopDuring(lab, client, `http://${vip}/`, 3000, async () => {
      // 1. Killed once the new hosts are made (answering, not serving yet).
      await timed('run killed at canary', () => killWhen('new hosts made', () => webMachines(inv).some(([, m]) => m.status === 'canary' && m.address !== undefined)));
      const canaries = webMachines(inv)
        .filter(([, m]) => m.status !== 'serving' || m.image === target)
        .map(([n]) => n);
      expect(readStateFile(inv).rollout).toMatchObject({ status: 'running', image: target });
      // 2. Run again, killed while the old hosts drain: their replacements serve. A drain waits
      // for the host's open connections (up to drain_timeout); with none it lasted ~0.1 s, shorter
      // than this test's poll, which then missed it (lab runs). A slow download through the virtual
      // IP, begun while only the old hosts serve, keeps one open until it is ended below.
      const slowPid = `/tmp/wpha-slow-download-${process.pid}`;
      for (const [, m] of webMachines(inv).filter(([, x]) => x.status === 'serving')) {
        const put = await sshRun(m.address!, 'head -c 3000000 /dev/zero > /var/www/site/slow.bin', lab);
        expect(put.code).toBe(0);
      }
      const slow = lab.ssh(client, `curl -s -o /dev/null -m 150 --limit-rate 30k 'http://${vip}/slow.bin' & echo $! > ${slowPid}; wait`, { timeoutMs: 170_000 });
      try {
        await timed('run killed at drain', () => killWhen('old hosts draining', () => webMachines(inv).some(([, m]) => m.status === 'draining')));
      } finally {
        await lab.ssh(client, `kill "$(cat ${slowPid})" 2>/dev/null; rm -f ${slowPid}`);
        await slow;
      }
      const drainedAt = webMachines(inv)
        .filter(([, m]) => m.status === 'draining')
        .map(([n]) => n);
      expect(drainedAt.length).toBeGreaterThan(0);
      // 3. Run again to the end.
      mark('run to the end');
      const done = await timed('run to the end', () => wpha(args));
      mark('ended');
      expect(done.code).toBe(0);
      expect(done.stderr).toContain('was draining and its replacement serves: drained on every front, retired');
      return { canaries, drainedAt, done };
    });
    const failures = samples.filter((s) => s.code !== 200);
    if (failures.length) {
      // Which step it was: the runs' marks, each front's keepalived and HAProxy journal.
      process.stderr.write(`[upgrade] failed requests at ${failures.map((f) => f.t).join(', ')}; marks:\n${marks.join('\n')}\n${result.done.stderr}\n`);
      for (const f of [f1, f2]) process.stderr.write((await lab.ssh(f, 'journalctl -u keepalived -u haproxy --no-pager -o short-unix | tail -n 40')).stdout + '\n');
    }
    const final = await expectConsistent(target);
    // The first run's new hosts never served: destroyed by the second run, not among the final ones.
    expect(result.canaries.length).toBeGreaterThan(0);
    for (const n of result.canaries) expect([n, final.includes(n), labTrace(n, undefined).disk]).toEqual([n, false, false]);
    for (const n of result.drainedAt) expect([n, final.includes(n), labTrace(n, undefined).disk]).toEqual([n, false, false]);
    expect(samples.filter((s) => s.code !== 200)).toEqual([]);
  });

  it('a checkpoint pauses the roll; --continue goes on; an alarm stops it and --auto-rollback brings the replaced host back', async () => {
    const alarm = path.join(tmpdir(), `wpha-upgrade-alarm-${process.pid}`);
    rmSync(alarm, { force: true });
    const paused = await timed('upgrade to a checkpoint', () =>
      wpha(['upgrade', '-i', inv, '--group', 'web', '--image', good, '--checkpoints', '50%', '--alarm-command', `test ! -e ${alarm} || { cat ${alarm}; exit 1; }`]),
    );
    expect(paused.code).toBe(0);
    expect(paused.stderr).toContain('Paused at checkpoint 50%: 1 of 2 host(s) replaced');
    expect(readStateFile(inv).rollout).toMatchObject({ status: 'paused', done: 1, total: 2, checkpoints_passed: ['50'] });
    expect(
      webMachines(inv)
        .map(([, m]) => m.image)
        .sort(),
    ).toEqual(['base', good].sort());
    // Another upgrade is refused while this one is under way.
    expect((await wpha(['upgrade', '-i', inv, '--group', 'web', '--image', 'base'])).stderr).toContain(`An upgrade of group "web" to ${good} is under way (paused)`);
    writeFileSync(alarm, 'error rate 12% over the last 5 minutes\n');
    try {
      const { samples, result } = await loopDuring(lab, client, `http://${vip}/`, 2000, () => timed('continue, alarm, rollback', () => wpha(['upgrade', '-i', inv, '--continue', '--auto-rollback'])));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Upgrade of group "web" to ${good} failed and was rolled back: Alarm "--alarm-command 1" raised: exit 1: error rate 12% over the last 5 minutes`);
      await expectConsistent('base');
      expect(samples.filter((s) => s.code !== 200)).toEqual([]);
    } finally {
      rmSync(alarm, { force: true });
    }
  });

  it('--in-place: each web host in turn leaves HAProxy, gets apt-get full-upgrade and restarts what uses replaced files, passes its checks and comes back; 0 failed requests', async () => {
    const before = webMachines(inv).map(([n, m]) => ({ name: n, pid: labPid(n), address: m.address! }));
    const { samples, result } = await loopDuring(lab, client, `http://${vip}/`, 2000, () => timed('in-place upgrade', () => wpha(['upgrade', '-i', inv, '--group', 'web', '--in-place', '--json'])));
    expect(result.stderr).toContain('Upgrade done');
    expect(result.code).toBe(0);
    expect(samples.filter((s) => s.code !== 200)).toEqual([]);
    // The same machines (in place: nothing replaced; rebooted when D-Bus or logind used replaced
    // libraries), now with nothing left to upgrade and no process running a replaced file.
    expect(
      webMachines(inv)
        .map(([n]) => n)
        .sort(),
    ).toEqual(before.map((h) => h.name).sort());
    for (const h of before) {
      const left = await sshRun(h.address, "apt-get -s full-upgrade | grep -c '^Inst ' || true; grep -lE ' /(usr|lib)/.* \\(deleted\\)$' /proc/[0-9]*/maps 2>/dev/null | wc -l", lab);
      expect([h.name, left.stdout]).toEqual([h.name, '0\n0']);
    }
    const events = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(
      events
        .filter((e) => e.type === 'phase' && e.phase === 'upgrade' && e.ok)
        .map((e) => e.hosts[0])
        .sort(),
    ).toEqual(before.map((h) => h.name).sort());
    expect(events.filter((e) => e.type === 'check' && !e.ok)).toEqual([]);
    // D-Bus and logind ran replaced libraries: the lab provider rebooted each host (out of service).
    expect(
      events
        .filter((e) => e.type === 'phase' && e.phase === 'reboot' && e.ok)
        .map((e) => e.hosts[0])
        .sort(),
    ).toEqual(before.map((h) => h.name).sort());
    expect(result.stderr).toMatch(/nginx\.service restarted/);
    await expectConsistent('base');
  });
});
