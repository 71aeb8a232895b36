/**
 * Host keys on lab hosts: `hostkeys scan` sees the keys the lab pinned; then one host's key is
 * really replaced (new key in /etc/ssh, sshd restarted). `apply` refuses that host naming both
 * fingerprints, runs nothing there and converges the other; `scan` reports the difference;
 * `rotate` refuses a fingerprint the host does not present and accepts the right one, after which
 * apply converges the host.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { acquireLabHosts, sshRun, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

async function fingerprintOf(pubKeyLine: string): Promise<string> {
  const { stdout } = await execa('ssh-keygen', ['-l', '-f', '-'], { input: pubKeyLine });
  return stdout.split(' ')[1]!;
}

describe('host keys: scan, refusal of a changed key, rotate', () => {
  let lab: LabHosts;
  let inv: string;
  let work: string;
  let knownHosts: string;
  let a: string;
  let b: string;
  let oldFp: string;
  let newFp: string;
  /** known_hosts with A's NEW key, for the test's own checks on A after the swap. */
  let afterSwap: string;

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'hk');
    [a, b] = lab.hosts.map((h) => h.name) as [string, string];
    work = mkdtempSync(path.join(tmpdir(), 'wpha-hostkeys-lab-'));
    knownHosts = path.join(work, 'known_hosts');
    copyFileSync(lab.knownHosts, knownHosts);
    const roles = path.join(work, 'roles', 'marker');
    mkdirSync(roles, { recursive: true });
    writeFileSync(path.join(roles, 'role.yaml'), 'description: Leaves a marker file\ntasks:\n  - name: marker\n    copy: { dest: /root/hostkeys-marker, content: "ran\\n" }\n');
    inv = writeLabInventory(lab, { groups: { app: { hosts: [0, 1], roles: ['marker'] } }, roleDirs: [path.join(work, 'roles')] }).dir;
    const file = path.join(inv, 'inventory.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(lab.knownHosts, knownHosts));
  });
  afterAll(async () => {
    await lab?.release();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('scan shows the pinned key of every host and changes nothing', async () => {
    oldFp = await fingerprintOf((await lab.ssh(a, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout);
    const before = readFileSync(knownHosts, 'utf8');
    const r = await runWpha(['hostkeys', 'scan', '-i', inv]);
    expect(r.code).toBe(0);
    const addr = lab.hosts[0]!.address;
    expect(r.stdout).toContain(`${a} (${addr}:22): ssh-ed25519 ${oldFp} pinned\n`);
    expect(r.stdout).toMatch(new RegExp(`^${b} \\(.*\\): ssh-ed25519 SHA256:\\S+ pinned$`, 'm'));
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);
  });

  it('a host with a replaced key is refused with both fingerprints; nothing runs there; the other converges', async () => {
    // Replace A's host key for real and restart sshd (existing sessions survive the restart).
    const swap = await lab.ssh(
      a,
      "rm -f /etc/ssh/ssh_host_ed25519_key* && ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key && systemctl restart ssh && cat /etc/ssh/ssh_host_ed25519_key.pub",
    );
    expect(swap.code).toBe(0);
    newFp = await fingerprintOf(swap.stdout);
    expect(newFp).not.toBe(oldFp);
    afterSwap = path.join(work, 'after_swap');
    writeFileSync(afterSwap, `${lab.hosts[0]!.address} ${swap.stdout.split(' ').slice(0, 2).join(' ')}\n`);

    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code).toBe(1);
    const ev = jsonEvents(r.stdout);
    const refused = ev.find((e) => e.type === 'host-unreachable') as { host: string; error: string };
    expect(refused.host).toBe(a);
    expect(refused.error).toContain(`presented ${newFp}`);
    expect(refused.error).toContain(`expected ssh-ed25519 ${oldFp}`);
    expect(refused.error).toContain(`wpha hostkeys rotate ${a}`);
    expect(tasksOf(ev, a)).toEqual([]);
    expect(hostDone(ev, b)?.recap).toMatchObject({ changed: 1, failed: 0, unreachable: false });
    const onA = await sshRun(lab.hosts[0]!.address, 'test -e /root/hostkeys-marker; echo $?', { key: lab.key, knownHosts: afterSwap });
    expect(onA.stdout).toBe('1');
    expect((await lab.ssh(b, 'cat /root/hostkeys-marker')).stdout).toBe('ran');
  });

  it('scan reports the difference and does not pin it, even with --pin', async () => {
    const before = readFileSync(knownHosts, 'utf8');
    const r = await runWpha(['hostkeys', 'scan', '-i', inv, '-l', a, '--pin']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`ssh-ed25519 ${newFp} DIFFERS from known_hosts`);
    expect(r.stdout).toContain(`presents none of the recorded keys (ssh-ed25519 ${oldFp})`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);
  });

  it('rotate refuses a fingerprint the host does not present, accepts the confirmed one; apply then converges it', async () => {
    const before = readFileSync(knownHosts, 'utf8');
    const wrong = await runWpha(['hostkeys', 'rotate', '-i', inv, a, '--fingerprint', oldFp]);
    expect(wrong.code).toBe(64);
    expect(wrong.stderr).toContain(`does not present ${oldFp}; it presents`);
    expect(wrong.stderr).toContain(`ssh-ed25519 ${newFp}`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);

    const ok = await runWpha(['hostkeys', 'rotate', '-i', inv, a, '--fingerprint', newFp]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`${a}: host key rotated in ${knownHosts}: was ssh-ed25519 ${oldFp}; now ssh-ed25519 ${newFp}`);
    // Other hosts' lines are untouched.
    const bLine = (t: string) => t.split('\n').filter((l) => l.includes(`,${b} `));
    expect(bLine(readFileSync(knownHosts, 'utf8'))).toEqual(bLine(before));

    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code).toBe(0);
    expect(hostDone(jsonEvents(r.stdout), a)?.recap).toMatchObject({ changed: 1, failed: 0, unreachable: false });
    expect((await sshRun(lab.hosts[0]!.address, 'cat /root/hostkeys-marker', { key: lab.key, knownHosts: afterSwap })).stdout).toBe('ran');
  });
});
