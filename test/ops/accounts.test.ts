/**
 * Account operations on a real lab host: group (gid, system, absent), user (uid, primary and
 * supplementary groups, shell, comment, locked password, system user, removal with home) and
 * authorized_key, proven by logging in over SSH with the key. Plan changes nothing; apply
 * reaches the state the host's own tools report; a second apply is a one-round-trip no-op;
 * hand-made drift is shown by plan and repaired by apply.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { ROLES, planBothWays, expectConverged, expectSuccess, labelsWith, onHost, statuses, wpha } from './harness.js';

const SNAPSHOT = [
  'for g in opsdeploy opsextra opsold; do getent group $g || echo "group $g absent"; done',
  'for u in opsuser opssvc opsgone; do getent passwd $u || echo "user $u absent"; getent shadow $u | cut -d: -f1,2 || :; done',
  'find /home /var/lib/opssvc -printf "%p %y %m %u %g\\n" 2>/dev/null | sort',
  'find /home -type f -exec sha256sum {} + | sort',
].join('\n');

describe('account ops on a lab host', () => {
  let lab: LabHosts;
  let host: string;
  let address: string;
  let inv: string;
  let keyFile: string;
  let publicKey: string;
  let oldKeyFile: string;
  let oldKey: string;
  let keepKey: string;
  let dir: string;

  /** Log in as `user` with one of the test's own keys (not the lab's root key). */
  const loginAs = async (user: string, key = keyFile) => {
    const r = await execa(
      'ssh',
      [
        '-i',
        key,
        '-o',
        `UserKnownHostsFile=${lab.knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'ConnectTimeout=10',
        `${user}@${address}`,
        'id -un',
      ],
      { reject: false },
    );
    return { code: r.exitCode, stdout: String(r.stdout) };
  };

  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'opa');
    host = lab.hosts[0]!.name;
    address = lab.hosts[0]!.address;
    dir = mkdtempSync(path.join(tmpdir(), 'wpha-opa-'));
    const newKey = async (name: string) => {
      const file = path.join(dir, name);
      await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@controller`, '-f', file]);
      return { file, pub: readFileSync(`${file}.pub`, 'utf8').trim() };
    };
    const [managed, old, keep] = await Promise.all([newKey('managed'), newKey('old'), newKey('keep')]);
    [keyFile, publicKey, oldKeyFile, oldKey, keepKey] = [managed.file, managed.pub, old.file, old.pub, keep.pub];
    inv = writeLabInventory(lab, { groups: { accounts: { hosts: [0], roles: ['ops_accounts'] } }, roleDirs: [ROLES], vars: { accounts_key: publicKey, accounts_old_key: oldKey } }).dir;
    await onHost(
      lab,
      host,
      [
        'groupadd opsold && useradd -m -s /bin/bash opsgone && echo data > /home/opsgone/file',
        // opskeep may log in with two keys; the old one is revoked by the role.
        'useradd -m -s /bin/bash opskeep && install -d -m 700 -o opskeep -g opskeep /home/opskeep/.ssh',
        `printf '%s\\n' '${keepKey}' 'from="172.31.0.0/16" ${oldKey}' > /home/opskeep/.ssh/authorized_keys`,
        'chown opskeep:opskeep /home/opskeep/.ssh/authorized_keys && chmod 600 /home/opskeep/.ssh/authorized_keys',
      ].join(' && '),
    );
  });
  afterAll(async () => {
    await lab?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('plan shows every change and leaves the accounts as they were', async () => {
    const before = await onHost(lab, host, SNAPSHOT);
    expect(before).toContain('user opsuser absent');
    const plan = await planBothWays(inv, host);
    expect(statuses(plan)).toEqual({
      'deploy group': 'changed',
      'system group': 'changed',
      'old group removed': 'changed',
      'login user': 'changed',
      'service user': 'changed',
      'old user removed': 'changed',
      // The key file's place depends on a home directory the plan has not created yet.
      'login key': 'skipped',
      'old key revoked': 'changed',
    });
    expect(plan.tasks.get('login user')?.summary.join(' ')).toBe('create user opsuser (uid 2501, group opsdeploy, groups opsextra, adm, shell /bin/bash)');
    expect(plan.tasks.get('old user removed')?.summary.join(' ')).toMatch(/^remove user opsgone \(uid \d+\) and its home \/home\/opsgone$/);
    expect(plan.tasks.get('login key')?.summary.join(' ')).toContain('user "opsuser" does not exist');
    expect(await onHost(lab, host, SNAPSHOT)).toBe(before);
    expect((await loginAs('opsuser')).code).toBe(255);
    expect(await loginAs('opskeep', oldKeyFile)).toEqual({ code: 0, stdout: 'opskeep' });
  });

  it('apply creates, changes and removes accounts; the key really logs in', async () => {
    const r = await wpha('apply', inv, host);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(['deploy group', 'system group', 'old group removed', 'login user', 'service user', 'old user removed', 'login key', 'old key revoked']);
    expect(await onHost(lab, host, 'getent group opsdeploy')).toBe('opsdeploy:x:2501:');
    const extraGid = Number((await onHost(lab, host, 'getent group opsextra')).split(':')[2]);
    expect(extraGid).toBeLessThan(1000);
    expect(await onHost(lab, host, 'getent group opsold; echo $?')).toBe('2');
    expect(await onHost(lab, host, 'getent passwd opsuser')).toBe('opsuser:x:2501:2501:Ops Test User:/home/opsuser:/bin/bash');
    expect((await onHost(lab, host, 'id -nG opsuser')).split(' ').sort()).toEqual(['adm', 'opsdeploy', 'opsextra']);
    expect((await onHost(lab, host, 'passwd -S opsuser')).split(' ')[1]).toBe('L');
    const svc = (await onHost(lab, host, 'getent passwd opssvc')).split(':');
    expect(Number(svc[2])).toBeLessThan(1000);
    expect(svc.slice(5)).toEqual(['/var/lib/opssvc', '/usr/sbin/nologin']);
    expect(await onHost(lab, host, 'test -e /var/lib/opssvc; echo $?')).toBe('1');
    expect(await onHost(lab, host, 'getent passwd opsgone; echo $?; test -e /home/opsgone; echo $?')).toBe('2\n1');
    expect(await onHost(lab, host, 'stat -c "%n %a %U %G" /home/opsuser/.ssh /home/opsuser/.ssh/authorized_keys')).toBe(
      '/home/opsuser/.ssh 700 opsuser opsdeploy\n/home/opsuser/.ssh/authorized_keys 600 opsuser opsdeploy',
    );
    expect(await onHost(lab, host, 'cat /home/opsuser/.ssh/authorized_keys')).toBe(publicKey);
    expect(await loginAs('opsuser')).toEqual({ code: 0, stdout: 'opsuser' });
    // Only the revoked key is gone from opskeep's file.
    expect(await onHost(lab, host, 'cat /home/opskeep/.ssh/authorized_keys; stat -c "%a %U" /home/opskeep/.ssh/authorized_keys')).toBe(`${keepKey}\n600 opskeep`);
    expect((await loginAs('opskeep', oldKeyFile)).code).toBe(255);
  });

  it('a second apply changes nothing, in one round trip', async () => {
    expectConverged(await wpha('apply', inv, host));
  });

  it('plan shows hand-made drift (shell, groups, password, key, a removed group back) and apply repairs it', async () => {
    await onHost(
      lab,
      host,
      [
        'usermod -s /bin/sh opsuser',
        'gpasswd -d opsuser opsextra >/dev/null',
        "echo 'opsuser:Drift-pw-1' | chpasswd",
        'chmod 755 /home/opsuser/.ssh',
        // Someone swapped the managed key for another one (exclusive: only the managed key may stay).
        `echo '${oldKey}' > /home/opsuser/.ssh/authorized_keys`,
        'groupadd opsold',
      ].join(' && '),
    );
    expect((await loginAs('opsuser')).code).toBe(255);
    expect(await loginAs('opsuser', oldKeyFile)).toEqual({ code: 0, stdout: 'opsuser' });
    const before = await onHost(lab, host, SNAPSHOT);
    const plan = await planBothWays(inv, host);
    expect(labelsWith(plan, 'changed')).toEqual(['old group removed', 'login user', 'login key']);
    expect(plan.tasks.get('login user')?.summary.join(' ')).toBe('change user opsuser: add to groups opsextra; shell /bin/sh -> /bin/bash; lock password');
    expect(plan.tasks.get('login key')?.summary.join(' ')).toContain('/home/opsuser/.ssh: mode 0755 -> 0700');
    expect(await onHost(lab, host, SNAPSHOT)).toBe(before);

    const fix = await wpha('apply', inv, host);
    expectSuccess(fix);
    expect(labelsWith(fix, 'changed')).toEqual(['old group removed', 'login user', 'login key']);
    expect(
      await onHost(
        lab,
        host,
        'getent passwd opsuser | cut -d: -f7; id -nG opsuser | tr " " "\\n" | sort | paste -sd " "; passwd -S opsuser | cut -d" " -f2; stat -c %a /home/opsuser/.ssh; getent group opsold; echo $?',
      ),
    ).toBe('/bin/bash\nadm opsdeploy opsextra\nL\n700\n2');
    expect(await loginAs('opsuser')).toEqual({ code: 0, stdout: 'opsuser' });
    expect((await loginAs('opsuser', oldKeyFile)).code).toBe(255);
    expect(await onHost(lab, host, 'cat /home/opsuser/.ssh/authorized_keys')).toBe(publicKey);
    expectConverged(await wpha('apply', inv, host));
  });
});
