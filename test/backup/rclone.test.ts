/**
 * The rclone and backup_target roles on two fresh lab hosts: host A gets rclone with an SFTP
 * remote (key from the inventory, host key pinned) and an S3 remote it never contacts (to see
 * its secret stay out of every output); host B gets the SFTP-only account. A copies a file to
 * B through the remote; the config is root-only; B refuses a shell to that key; the second
 * apply changes nothing in one round trip per host.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const S3_SECRET = 'never-printed-s3-secret-7d1c';

describe('rclone role with an SFTP remote to a backup_target host', () => {
  let lab: LabHosts;
  let invDir: string;
  let a: { name: string; address: string };
  let b: { name: string; address: string };
  let keyFile: string;

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'rclone');
    [a, b] = lab.hosts as [typeof a, typeof b];
    keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-rclone-key-')), 'id');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rclone-test', '-f', keyFile]);
    const knownHosts = readFileSync(lab.knownHosts, 'utf8')
      .split('\n')
      .filter((l) => l.split(/[ ,]/).includes(b.address))
      .join('\n');
    invDir = writeLabInventory(lab, {
      groups: {
        src: { hosts: [a.name], roles: ['rclone'] },
        target: { hosts: [b.name], roles: ['backup_target'] },
      },
      vars: {
        rclone_remotes: [
          { name: 'offsite', type: 'sftp', host: b.address, user: 'rbackup', key_pem: readFileSync(keyFile, 'utf8'), known_hosts: knownHosts },
          { name: 'objects', type: 's3', endpoint: 'http://192.0.2.1:9000', access_key_id: 'backup', secret_access_key: S3_SECRET },
        ],
        backup_target_keys: [readFileSync(`${keyFile}.pub`, 'utf8').trim()],
      },
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
  });

  it('applies, and keeps the S3 secret out of the output', async () => {
    const r = await runWpha(['apply', '-i', invDir, '--json', '--diff'], { timeoutMs: 900_000 });
    const failed = tasksOf(jsonEvents(r.stdout)).filter((t) => t.status === 'failed');
    expect(failed.map((t) => `${t.host} ${t.task}: ${t.error}`)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(S3_SECRET);
    expect(r.stdout + r.stderr).not.toContain(readFileSync(keyFile, 'utf8').split('\n')[1]);
  });

  it('keeps the config root-only', async () => {
    const r = await lab.ssh(a.name, 'stat -c "%a %U %n" /root/.config/rclone /root/.config/rclone/rclone.conf /root/.config/rclone/offsite.key');
    expect(r.stdout.split('\n')).toEqual(['700 root /root/.config/rclone', '600 root /root/.config/rclone/rclone.conf', '600 root /root/.config/rclone/offsite.key']);
  });

  it('copies through the SFTP remote, checking the pinned host key', async () => {
    const r = await lab.ssh(a.name, 'head -c 100000 /dev/urandom > /tmp/probe.bin && rclone copy /tmp/probe.bin offsite:probe/ && sha256sum < /tmp/probe.bin');
    expect(r.code).toBe(0);
    const onB = await lab.ssh(b.name, 'sha256sum < /srv/rbackup/probe/probe.bin');
    expect(onB).toEqual({ code: 0, stdout: r.stdout, stderr: '' });
    // A wrong host key is refused: the remote does not trust whatever answers at that address.
    const bad = await lab.ssh(
      a.name,
      `sed 's/ssh-ed25519 .*/ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMPyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/' /root/.config/rclone/offsite.known_hosts > /tmp/kh; rclone lsf offsite: --sftp-known-hosts-file /tmp/kh 2>&1`,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/knownhosts: key mismatch|handshake failed/);
  });

  it('gives that key no shell on the target', async () => {
    const r = await execa(
      'ssh',
      ['-i', keyFile, '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `rbackup@${b.address}`, 'echo shell-reached'],
      { reject: false, input: '', timeout: 60_000 },
    );
    expect(r.stdout).not.toContain('shell-reached');
  });

  it('changes nothing on the second apply, in one round trip per host', async () => {
    const r = await runWpha(['apply', '-i', invDir, '--json']);
    expect(r.code).toBe(0);
    const events = jsonEvents(r.stdout);
    expect(
      tasksOf(events)
        .filter((t) => t.status !== 'ok' && t.status !== 'skipped')
        .map((t) => `${t.host} ${t.task} ${t.status}`),
    ).toEqual([]);
    for (const h of [a, b]) expect(hostDone(events, h.name)).toMatchObject({ recap: { changed: 0, failed: 0 }, roundTrips: 1 });
  });
});
