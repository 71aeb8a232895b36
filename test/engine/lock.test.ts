/**
 * One apply at a time per host: a second apply is refused naming the holder (or waits with
 * --lock-timeout), and a killed run leaves no stale lock behind (only its step under way, which
 * the next apply waits for; test/engine/killed-controller.test.ts covers that in depth).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execa } from 'execa';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents } from '../helpers/wpha-cli.js';

const ROLES = 'test/engine/fixtures/roles';
const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/wpha');

describe('host locks', () => {
  let lab: LabHosts;
  let inv: string;
  let h: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'lock');
    h = lab.hosts[0]!.name;
    inv = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['demo'] } }, roleDirs: [ROLES] }).dir;
  });
  afterAll(async () => lab?.release());

  /** Another holder: takes the same flock the engine uses and names itself, for `seconds`. */
  function holdLock(seconds: number) {
    const script = `exec 9>>/run/wpha.lock; flock 9; echo 'otherrun alice@laptop pid 4242 since 2026-11-23T10:00:00Z' > /run/wpha.lock.info; echo held; sleep ${seconds}; rm -f /run/wpha.lock.info`;
    return execa('ssh', ['-i', lab.key, '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'BatchMode=yes', `root@${lab.hosts[0]!.address}`, script], { reject: false, buffer: true });
  }

  async function untilHeld(p: ReturnType<typeof holdLock>) {
    await new Promise<void>((resolve) => p.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
  }

  it('refuses to apply while another run holds the host, naming the holder, and changes nothing', async () => {
    const holder = holdLock(20);
    await untilHeld(holder);
    const r = await runWpha(['apply', '-i', inv]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${h} | failed | Host "${h}" is locked by another run: alice@laptop pid 4242 since 2026-11-23T10:00:00Z. Try again when it ends, or pass --lock-timeout SECONDS to wait`,
    );
    expect((await lab.ssh(h, 'test -e /srv/demo; echo $?')).stdout).toBe('1');
    holder.kill();
    await holder.catch(() => undefined);
  });

  it('waits for the holder with --lock-timeout, then applies', async () => {
    const holder = holdLock(3);
    await untilHeld(holder);
    const r = await runWpha(['apply', '-i', inv, '--lock-timeout', '30', '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(jsonEvents(r.stdout).filter((e) => e.type === 'task' && e.status === 'changed').length).toBeGreaterThan(3);
    await holder;
  });

  it('a run killed in the middle leaves no stale lock: the next apply waits for its last step, then proceeds', async () => {
    const slow = execa('node', [BIN, 'apply', '-i', inv, '-e', 'demo_pause=600'], { reject: false, env: { CI: '1' } });
    // Wait until the slow step runs on the host (the lock is held by that run).
    for (let i = 0; i < 200; i++) {
      if ((await lab.ssh(h, 'pgrep -fx "sleep 600" >/dev/null && cat /run/wpha.lock.info')).code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const during = await runWpha(['apply', '-i', inv]);
    expect(during.stdout).toMatch(new RegExp(`Host "${h}" is locked by another run: \\S+@\\S+ pid ${slow.pid} since `));
    slow.kill('SIGKILL');
    await slow;
    // The step under way goes on without its controller: the run lock is gone, its work is not.
    const refused = await runWpha(['apply', '-i', inv]);
    expect(refused.stdout).toMatch(new RegExp(`Host "${h}" still runs work an earlier run left \\(\\S+@\\S+ pid ${slow.pid} since [^)]+\\): a shell step \\(pid \\d+\\); sleep 600 \\(pid \\d+\\)`));
    // The test ends the step it made (by pid, on the host); the waiting apply then goes on.
    const waiting = runWpha(['apply', '-i', inv, '--lock-timeout', '120', '--json']);
    await lab.ssh(h, 'kill $(pgrep -fx "sleep 600")');
    const after = await waiting;
    expect(after.code, after.stdout).toBe(0);
    expect((await lab.ssh(h, 'pgrep -fx "sleep 600"; ls -d /tmp/wpha* 2>/dev/null; true')).stdout).toBe('');
  });
});
