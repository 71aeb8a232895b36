/**
 * Hosts that misbehave during a run, on real lab hosts: one cuts its SSH connection in the middle
 * of an apply (its sshd session process is killed), a command prints gigabytes, and package lists
 * are dated years in the future (clock skew). The broken host is reported with a clear message
 * while the other converges; files are old or new, never partial, and no temp file is left; the
 * controller's memory stays bounded and the host's /tmp does not fill; the apt cache age logic
 * refreshes instead of trusting a future date, and then converges.
 */
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUsage } from '../../src/bench/usage-marker.cjs';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const ROLES = 'test/hostile/fixtures/roles';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

describe('hosts that misbehave during a run', () => {
  let lab: LabHosts;
  let a: string;
  let b: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'hostile-res');
    [a, b] = lab.hosts.map((h) => h.name) as [string, string];
  });
  afterAll(async () => lab?.release());

  const sh = async (host: string, cmd: string) => {
    const r = await lab.ssh(host, cmd);
    if (r.code !== 0) throw new Error(`${cmd}: ${r.stderr}`);
    return r.stdout;
  };

  it('a host that drops its connection mid-apply is reported unreachable; the other converges; files are old or new', async () => {
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [0, 1], roles: ['vanish'] } }, roleDirs: [ROLES], vars: { vanish_on: a } }).dir;
    for (const h of [a, b]) await sh(h, 'mkdir -p /srv/vanish && printf "old a\\n" > /srv/vanish/a && printf "old b\\n" > /srv/vanish/b');
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code).toBe(1);
    const ev = jsonEvents(r.stdout);
    expect(tasksOf(ev, a).map((t) => [t.task, t.status])).toEqual([
      ['first file', 'changed'],
      ['cut the connection', 'failed'],
    ]);
    // The reason in parentheses is what the socket said (closed, or reset), so it is not pinned.
    expect(tasksOf(ev, a)[1]!.error).toMatch(
      new RegExp(`^Unknown outcome: the connection to host "${a}" was lost during the round trip \\(.+\\); this step may or may not have completed, later steps did not run$`),
    );
    expect(ev.find((e) => e.type === 'host-unreachable')).toEqual({ type: 'host-unreachable', host: a, error: expect.stringMatching(new RegExp(`^Host "${a}" went away during the apply: `)) });
    expect(hostDone(ev, a)?.recap).toMatchObject({ changed: 1, failed: 1, unreachable: true });
    expect(hostDone(ev, b)?.recap).toMatchObject({ changed: 2, failed: 0, unreachable: false });
    // Old or new, never partial; nothing left behind by the script that was cut.
    expect(await sh(a, 'cat /srv/vanish/a /srv/vanish/b; ls -a /srv/vanish /tmp | grep wpha || true')).toBe('new a\nold b');
    expect(await sh(b, 'cat /srv/vanish/a /srv/vanish/b')).toBe('new a\nnew b');
    // The host answers again; the next run finishes the job there.
    const again = await runWpha(['apply', '-i', inv, '-e', 'vanish_on=nobody', '--json']);
    expect(again.code).toBe(0);
    expect(await sh(a, 'cat /srv/vanish/b')).toBe('new b');
  });

  it('a command printing 3 GB: the run completes, says the output was truncated, the controller stays small and /tmp stays empty', async () => {
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['flood'] } }, roleDirs: [ROLES] }).dir;
    let biggestTmpKiB = 0;
    let running = true;
    const watch = (async () => {
      while (running) {
        const du = await lab.ssh(a, 'du -sk /tmp | cut -f1');
        biggestTmpKiB = Math.max(biggestTmpKiB, Number(du.stdout) || 0);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const run = await execa('node', ['--require', path.join(ROOT, 'dist/bench/usage-preload.cjs'), path.join(ROOT, 'bin/wpha'), 'apply', '-i', inv, '--json'], {
      reject: false,
      env: { CI: '1' },
      timeout: 300_000,
    });
    running = false;
    await watch;
    expect(run.exitCode).toBe(0);
    const stdout = String(run.stdout);
    const flood = tasksOf(jsonEvents(stdout), a).find((t) => t.task === 'print gigabytes');
    expect(flood?.warnings).toEqual(['output truncated: the step printed more than 1024 KiB on stdout; only the last 1024 KiB were kept']);
    // The register holds the LAST 1 MiB (the end of the output, where errors are), minus its final newline.
    expect(await sh(a, 'cat /srv/flood-kept')).toBe(String(1024 * 1024 - 1));
    const usage = parseUsage(String(run.stderr)).usage;
    expect(usage).toBeDefined();
    const rssKiB = usage!.maxRssKb;
    expect(rssKiB).toBeGreaterThan(0);
    expect(rssKiB).toBeLessThan(300 * 1024);
    expect(biggestTmpKiB).toBeGreaterThan(0);
    expect(biggestTmpKiB).toBeLessThan(10 * 1024);
    expect(await sh(a, 'ls -a /tmp | grep wpha || true')).toBe('');
  });

  it('package lists dated 10 years ahead are refreshed, not trusted; then the host converges', async () => {
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['skew'] } }, roleDirs: [ROLES] }).dir;
    const lists = '/var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists';
    await sh(a, `mkdir -p /var/lib/apt/periodic && touch -d '-2 days' ${lists}`);
    expect((await runWpha(['apply', '-i', inv, '-l', a])).code).toBe(0);
    const settled = await runWpha(['apply', '-i', inv, '-l', a, '--json']);
    expect(tasksOf(jsonEvents(settled.stdout), a).map((t) => t.status)).toEqual(['ok']);

    await sh(a, `touch -d '+10 years' ${lists}`);
    const plan = await runWpha(['plan', '-i', inv, '-l', a, '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("refresh the package lists (they are dated in the future of the host's clock)");
    const fixed = await runWpha(['apply', '-i', inv, '-l', a, '--json']);
    expect(tasksOf(jsonEvents(fixed.stdout), a).map((t) => t.status)).toEqual(['changed']);
    // The stamp now holds the host's real time; the future-dated folder no longer counts.
    const after = await runWpha(['apply', '-i', inv, '-l', a, '--json']);
    expect(tasksOf(jsonEvents(after.stdout), a).map((t) => t.status)).toEqual(['ok']);
    expect(hostDone(jsonEvents(after.stdout), a)?.roundTrips).toBe(1);
  });
});
