/**
 * `connection: local` and `wpha apply --connection local`: the same role applied through SSH to
 * a fresh lab host and through the local shell to this machine, into a scratch folder (nothing
 * outside it is written but wpha's own run lock in /run and its staging folder in /tmp). Both
 * hosts run the same tasks with the same outcomes, the second apply changes nothing, a plan
 * changes nothing, and --connection local reaches a host whose address answers nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const roleDir = 'test/engine/fixtures/local-roles';
const outcomes = (stdout: string, host: string) => tasksOf(jsonEvents(stdout), host).map((t) => `${t.task}: ${t.status}`);

describe('local connection', () => {
  let lab: LabHosts;
  let inv = '';
  let sshHost = '';
  const scratch = mkdtempSync(path.join(tmpdir(), 'wpha-local-'));
  const root = path.join(scratch, 'image');

  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'local');
    sshHost = lab.hosts[0]!.name;
    inv = writeLabInventory(lab, {
      groups: { tree: { hosts: [0, 'builder'], roles: ['scratch_tree'] } },
      roleDirs: [roleDir],
      hostVars: { [sshHost]: { scratch_root: '/srv/tree' } },
      // A host with `connection: local`: its address is what other hosts and templates see.
      extraHosts: { builder: { address: '127.0.0.1', connection: 'local', vars: { scratch_root: root, scratch_message: 'local' } } },
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
    rmSync(scratch, { recursive: true, force: true });
    if (inv) rmSync(inv, { recursive: true, force: true });
  });

  it('applies the role through the local shell as through SSH, then changes nothing', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const expected = ['config folder: changed', 'rendered config: changed', 'plain file: changed', 'one-time step: changed'];
    expect(outcomes(r.stdout, 'builder')).toEqual(expected);
    expect(outcomes(r.stdout, sshHost)).toEqual(expected);
    expect(readFileSync(path.join(root, 'etc/app.conf'), 'utf8')).toBe('# rendered for builder\nmessage=local\n');
    expect(statSync(path.join(root, 'etc/app.conf')).mode & 0o777).toBe(0o640);
    expect(statSync(path.join(root, 'etc')).mode & 0o777).toBe(0o750);
    expect(readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('built by wpha\n');
    // Run as the user running wpha (root here: no sudo).
    expect(readFileSync(path.join(root, 'stamp'), 'utf8')).toBe('root\n');
    expect((await lab.ssh(sshHost, 'cat /srv/tree/etc/app.conf /srv/tree/stamp')).stdout).toBe(`# rendered for ${sshHost}\nmessage=hello\nroot`);
    // One round trip per converged host, locally too.
    const again = await runWpha(['apply', '-i', inv, '--json']);
    expect(again.code).toBe(0);
    for (const h of ['builder', sshHost]) {
      expect(hostDone(jsonEvents(again.stdout), h)).toMatchObject({ recap: { changed: 0, failed: 0 }, roundTrips: 1 });
      expect(
        outcomes(again.stdout, h).every((o) => o.endsWith(': ok')),
        outcomes(again.stdout, h).join('\n'),
      ).toBe(true);
    }
  });

  it('plans a change without making it', async () => {
    rmSync(path.join(root, 'etc/motd'));
    const r = await runWpha(['plan', '-i', inv, '-l', 'builder', '--json']);
    expect(r.code).toBe(0);
    expect(outcomes(r.stdout, 'builder')).toContain('plain file: changed');
    expect(existsSync(path.join(root, 'etc/motd'))).toBe(false);
  });

  it('--connection local reaches a host whose address answers nothing; without it the host is unreachable', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'wpha-local-inv-'));
    const target = path.join(scratch, 'second');
    // 192.0.2.1 (TEST-NET-1) answers nothing: only the local shell can converge this host.
    writeFileSync(
      path.join(other, 'inventory.yaml'),
      stringify({
        defaults: { ssh: { connect_timeout: 2, known_hosts: path.join(other, 'known_hosts') } },
        hosts: { image: { address: '192.0.2.1', vars: { scratch_root: target } } },
        groups: { tree: { hosts: ['image'], roles: ['scratch_tree'] } },
      }),
    );
    writeFileSync(path.join(other, 'known_hosts'), '');
    mkdirSync(path.join(other, 'roles'));
    symlinkSync(path.resolve(roleDir, 'scratch_tree'), path.join(other, 'roles', 'scratch_tree'));
    try {
      const ssh = await runWpha(['apply', '-i', other, '--json']);
      expect(ssh.code).toBe(1);
      expect(hostDone(jsonEvents(ssh.stdout), 'image')?.recap).toMatchObject({ unreachable: true });
      const local = await runWpha(['apply', '-i', other, '--connection', 'local', '--json']);
      expect(local.code, local.stderr).toBe(0);
      expect(readFileSync(path.join(target, 'etc/app.conf'), 'utf8')).toBe('# rendered for image\nmessage=hello\n');
      const again = await runWpha(['apply', '-i', other, '-c', 'local', '--json']);
      expect(hostDone(jsonEvents(again.stdout), 'image')?.recap).toMatchObject({ changed: 0, failed: 0 });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
