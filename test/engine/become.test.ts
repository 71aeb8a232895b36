/**
 * Connecting as an unprivileged user and becoming root through sudo (without and with a
 * password), and reaching a host through a bastion (proxy_jump), on real lab hosts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents, tasksOf, hostDone } from '../helpers/wpha-cli.js';

const ROLES = 'test/engine/fixtures/roles';
const SUDO_PASSWORD = 'Sudo-pw-7731-lab';

/** Rewrite the inventory so that hosts connect as `user`. */
function asUser(dir: string, user: string, extra = ''): void {
  const f = path.join(dir, 'inventory.yaml');
  writeFileSync(f, readFileSync(f, 'utf8').replace('user: root', `user: ${user}\n  become: true${extra}`));
}

describe('become and bastions', () => {
  let lab: LabHosts;
  let a: string;
  let b: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'bec');
    [a, b] = lab.hosts.map((h) => h.name) as [string, string];
    const setup = [
      'useradd -m -s /bin/bash deploy && useradd -m -s /bin/bash ops',
      'for u in deploy ops; do install -d -m 700 -o $u -g $u /home/$u/.ssh && install -m 600 -o $u -g $u /root/.ssh/authorized_keys /home/$u/.ssh/authorized_keys; done',
      "echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/deploy",
      "echo 'ops ALL=(ALL) ALL' > /etc/sudoers.d/ops",
      `echo 'ops:${SUDO_PASSWORD}' | chpasswd`,
    ].join(' && ');
    for (const h of [a, b]) expect((await lab.ssh(h, setup)).code).toBe(0);
  });
  afterAll(async () => lab?.release());

  it('connects as a NOPASSWD sudoer and applies as root', async () => {
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['demo'] } }, roleDirs: [ROLES] }).dir;
    asUser(inv, 'deploy');
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(hostDone(jsonEvents(r.stdout), a)?.recap.changed).toBeGreaterThan(5);
    expect((await lab.ssh(a, 'stat -c "%U %a" /srv/demo/demo.conf; grep -c . /srv/demo/handler-runs')).stdout).toBe('root 640\n1');
    expect((await lab.ssh(a, "journalctl -q _COMM=sudo --no-pager | grep -c 'USER=root'")).stdout).not.toBe('0');
  });

  it('uses a sudo password from the inventory, fed on stdin and masked in all output', async () => {
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [1], roles: ['demo'] } }, roleDirs: [ROLES], hostVars: { [b]: { become_password: SUDO_PASSWORD } } }).dir;
    asUser(inv, 'ops');
    const r = await runWpha(['apply', '-i', inv, '--json', '-e', `demo_greeting=${SUDO_PASSWORD}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(tasksOf(jsonEvents(r.stdout), b).find((t) => t.task === 'config')?.status).toBe('changed');
    expect(r.stdout + r.stderr).not.toContain(SUDO_PASSWORD);
    expect((await lab.ssh(b, 'stat -c %U /srv/demo/demo.conf; grep greeting /srv/demo/demo.conf')).stdout).toBe(`root\ngreeting=${SUDO_PASSWORD}`);
    const plan = await runWpha(['plan', '-i', inv, '-e', 'demo_greeting=changed']);
    expect(plan.stdout).toContain(`${b} |   (diff hidden: the change involves secret values)`);
    expect(plan.stdout).not.toContain(SUDO_PASSWORD);
  });

  it('says clearly when sudo wants a password and none is given, or the password is wrong', async () => {
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [1], roles: ['demo'] } }, roleDirs: [ROLES] }).dir;
    asUser(inv, 'ops');
    const none = await runWpha(['apply', '-i', inv]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(`${b} | failed | sudo on host "${b}" needs a password for user "ops": set become_password (in the vault) or pass --ask-become-pass`);
    const wrong = await runWpha(['apply', '-i', inv, '-e', 'become_password=not-the-password']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`sudo on host "${b}" refused the become password for user "ops"`);
    expect(wrong.stdout).not.toContain('not-the-password');
  });

  it('reaches a host through a bastion (proxy_jump)', async () => {
    const bastion = lab.hosts[0]!.address;
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [1], roles: ['demo'] } }, roleDirs: [ROLES] }).dir;
    const f = path.join(inv, 'inventory.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace(`address: ${lab.hosts[1]!.address}`, `address: ${lab.hosts[1]!.address}\n    ssh:\n      proxy_jump: root@${bastion}`));
    await lab.ssh(b, 'journalctl --rotate >/dev/null 2>&1; true');
    const since = (await lab.ssh(b, 'date +%s')).stdout;
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const log = await lab.ssh(b, `journalctl -q -u ssh --since @${since} --no-pager | grep 'Accepted publickey'`);
    expect(log.stdout).toMatch(new RegExp(`Accepted publickey for root from ${bastion.replaceAll('.', '\\.')} `));
  });
});
