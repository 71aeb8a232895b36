/**
 * rclone_sync between two sites on two fresh lab hosts: site A gets rclone with an SFTP remote
 * to site B (the rclone role: key from the inventory, B's host key pinned) and a sync job as a
 * systemd timer (the rclone_sync role); site B gets the SFTP-only account (backup_target). The
 * timer's service is started by the test (no waiting minutes): a file added on A appears on B; a
 * file deleted on A, and the old version of a changed one, are in the dated backup folder on B,
 * not gone; the status file says when the last run succeeded, and after a failed run (B cut
 * off) it keeps that success and records the failure; dated backup folders older than the days
 * kept go; a job removed from the list takes its timer, settings and status with it. Second
 * apply: 0 changed. Bad jobs are refused before any host is contacted.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';
import { backupStamp } from '../../src/storage/testing/backup-stamp.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('rclone_sync from site A to site B over SFTP', () => {
  let lab: LabHosts;
  let inv: string;
  let a: string, b: string;
  const job = { name: 'site-b', source: '/srv/site-a', remote: 'siteb', path: 'current', backup_path: 'archive', schedule: '*-*-* 03:00:00', bandwidth: '8M' };

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'rsync');
    [a, b] = lab.hosts.map((h) => h.name) as [string, string];
    const bAddress = lab.hosts[1]!.address;
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-rsync-key-')), 'id');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rclone-sync-test', '-f', keyFile]);
    const knownHosts = readFileSync(lab.knownHosts, 'utf8')
      .split('\n')
      .filter((l) => l.split(/[ ,]/).includes(bAddress))
      .join('\n');
    inv = writeLabInventory(lab, {
      groups: {
        site_a: { hosts: [0], roles: ['rclone', 'rclone_sync'], vars: { rclone_sync_jobs: [job] } },
        site_b: { hosts: [1], roles: ['backup_target'] },
      },
      vars: {
        rclone_remotes: [{ name: 'siteb', type: 'sftp', host: bAddress, user: 'rbackup', key_pem: readFileSync(keyFile, 'utf8'), known_hosts: knownHosts }],
        backup_target_keys: [readFileSync(`${keyFile}.pub`, 'utf8').trim()],
      },
    }).dir;
  });
  afterAll(async () => lab?.release());

  const sh = async (host: string, cmd: string) => {
    const r = await lab.ssh(host, cmd);
    if (r.code !== 0) throw new Error(`${host}: ${cmd}: ${r.stderr}`);
    return r.stdout;
  };
  const runJob = () => lab.ssh(a, 'systemctl start rclone-sync-site-b.service');
  const status = async () => JSON.parse(await sh(a, 'cat /var/lib/rclone-sync/site-b.json')) as Record<string, unknown>;

  it('applies: the job is a timer, enabled and waiting', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json'], { timeoutMs: 900_000 });
    expect(
      tasksOf(jsonEvents(r.stdout))
        .filter((t) => t.status === 'failed')
        .map((t) => `${t.host} ${t.task}: ${t.error}`),
    ).toEqual([]);
    expect(r.code).toBe(0);
    expect(await sh(a, 'systemctl is-enabled rclone-sync-site-b.timer; systemctl is-active rclone-sync-site-b.timer; stat -c "%a %U" /etc/rclone-sync/site-b.conf')).toBe('enabled\nactive\n600 root');
  });

  it('a file added on site A is on site B after the timer runs, and the status says when', async () => {
    await sh(a, 'mkdir -p "/srv/site-a/photos 2026" && head -c 200000 /dev/urandom > "/srv/site-a/photos 2026/a.jpg" && echo v1 > /srv/site-a/notes.txt && echo keep > /srv/site-a/stays.txt');
    const r = await runJob();
    expect([r.code, r.stderr]).toEqual([0, '']);
    const sums = async (host: string, dir: string) => sh(host, `cd ${dir} && find . -type f | sort | xargs -d '\\n' sha256sum`);
    expect(await sums(b, '/srv/rbackup/current')).toBe(await sums(a, '/srv/site-a'));
    const s = await status();
    expect(s).toMatchObject({ job: 'site-b', running: false, last_exit_code: 0, last_failure: null, destination: 'siteb:current' });
    expect(s.last_success).toMatch(ISO);
  });

  it('a file deleted on site A, and the old version of a changed one, are in the backup folder on site B, not gone', async () => {
    const photo = await sh(a, 'sha256sum < "/srv/site-a/photos 2026/a.jpg"');
    await sh(a, 'rm "/srv/site-a/photos 2026/a.jpg" && echo v2 > /srv/site-a/notes.txt');
    expect((await runJob()).code).toBe(0);
    const s = await status();
    expect(s.last_backup_dir).toMatch(/^siteb:archive\/\d{8}T\d{6}Z$/);
    const dated = `/srv/rbackup/archive/${String(s.last_backup_dir).split('/')[1]}`;
    expect(await sh(b, `test ! -e "/srv/rbackup/current/photos 2026/a.jpg" && sha256sum < "${dated}/photos 2026/a.jpg"`)).toBe(photo);
    expect(await sh(b, `cat ${dated}/notes.txt /srv/rbackup/current/notes.txt`)).toBe('v1\nv2');
    // Unchanged files are not copied into the backup folder.
    expect(await sh(b, `test -e ${dated}/stays.txt && echo copied || echo kept-once`)).toBe('kept-once');
  });

  it('dated backup folders older than backup_keep_days (20) go after a successful run; newer ones and other folders stay', async () => {
    const [old, recent] = [backupStamp(30), backupStamp(10)];
    // Folders as earlier runs left them (owned by the SFTP account, like the ones rclone made).
    await sh(b, `cd /srv/rbackup/archive && for d in ${old} ${recent} kept-by-hand; do mkdir $d && echo v0 > $d/notes.txt; done && chown -R --reference=. ${old} ${recent} kept-by-hand`);
    const r = await runJob();
    expect([r.code, r.stderr]).toEqual([0, '']);
    const left = (await sh(b, 'ls /srv/rbackup/archive')).split('\n');
    expect(left).not.toContain(old);
    expect(left).toEqual(expect.arrayContaining([recent, 'kept-by-hand']));
    expect(await sh(a, 'journalctl -u rclone-sync-site-b.service -o cat --no-pager')).toContain(`deleted backup folder ${old} (older than 20 days)`);
  });

  it('a failed run (site B cut off) fails the unit and is recorded, keeping the last success', async () => {
    const before = await status();
    const bAddress = lab.hosts[1]!.address;
    await sh(a, `ip route add prohibit ${bAddress}/32`);
    try {
      const r = await runJob();
      expect(r.code).not.toBe(0);
      const s = await status();
      expect(s).toMatchObject({ running: false, last_success: before.last_success });
      expect(s.last_exit_code).not.toBe(0);
      expect(s.last_failure).toMatch(ISO);
      expect(await sh(a, 'systemctl is-failed rclone-sync-site-b.service || true')).toBe('failed');
    } finally {
      await sh(a, `ip route del prohibit ${bAddress}/32`);
    }
    expect((await runJob()).code).toBe(0);
    expect((await status()).last_exit_code).toBe(0);
  });

  it('a job removed from the list: its timer, settings and status go; the other job and a timer made by hand stay', async () => {
    const extra = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-rsync-jobs-')), 'jobs.yaml');
    const jobC = { ...job, name: 'site-c', path: 'copy-c', backup_path: 'archive-c' };
    writeFileSync(extra, JSON.stringify({ rclone_sync_jobs: [job, jobC] }));
    expect((await runWpha(['apply', '-i', inv, '-e', `@${extra}`])).code).toBe(0);
    await sh(a, 'systemctl start rclone-sync-site-c.service');
    // A timer with the same prefix that wpha did not write.
    await sh(a, "printf '[Timer]\\nOnCalendar=daily\\n' > /etc/systemd/system/rclone-sync-by-hand.timer");
    const present = () => sh(a, 'cd /etc/systemd/system && ls rclone-sync-* && ls /etc/rclone-sync /var/lib/rclone-sync');
    expect(await present()).toContain('site-c');
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const removed = tasksOf(jsonEvents(r.stdout), a).find((t) => t.task === 'timers of removed jobs');
    expect(removed).toMatchObject({
      status: 'changed',
      summary: ['remove timer rclone-sync-site-c (no longer listed), with /etc/rclone-sync/site-c.conf, /var/lib/rclone-sync/site-c.json, /var/lib/rclone-sync/site-c.state'],
    });
    const left = await present();
    expect(left).not.toContain('site-c');
    expect(left).toContain('rclone-sync-site-b.timer');
    expect(left).toContain('rclone-sync-by-hand.timer');
    expect(await sh(a, 'systemctl is-active rclone-sync-site-b.timer; systemctl is-active rclone-sync-site-c.timer || true')).toBe('active\ninactive');
    await sh(a, 'rm /etc/systemd/system/rclone-sync-by-hand.timer');
  });

  it('a second apply changes nothing', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code).toBe(0);
    const ev = jsonEvents(r.stdout);
    expect(
      tasksOf(ev)
        .filter((t) => t.status === 'changed')
        .map((t) => `${t.host} ${t.task}`),
    ).toEqual([]);
    for (const h of [a, b]) expect(hostDone(ev, h)?.recap).toMatchObject({ changed: 0, failed: 0 });
  });

  it.each([
    ['without a backup folder', { ...job, backup_path: undefined }, 'Variable "rclone_sync_jobs" of role "rclone_sync": Missing key "backup_path", required when mode == \'sync\''],
    ['naming an unknown remote', { ...job, remote: 'nowhere' }, 'Item "site-b": A sync job must name a remote of rclone_remotes'],
  ])('a job %s is refused before any host is contacted, naming the file and line', async (_what, bad, message) => {
    const text = readFileSync(path.join(inv, 'inventory.yaml'), 'utf8');
    const doc = text.replace(/rclone_sync_jobs:\n(( {8}.*\n)+)/, `rclone_sync_jobs: ${JSON.stringify([bad])}\n`);
    expect(doc).not.toBe(text);
    const line = doc.split('\n').findIndex((l) => l.includes('rclone_sync_jobs:')) + 1;
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-inv-bad-'));
    writeFileSync(path.join(dir, 'inventory.yaml'), doc);
    const r = await runWpha(['apply', '-i', dir, '--json']);
    expect(r.code).toBe(65);
    const out = `${r.stdout}\n${r.stderr}`;
    expect(out).toMatch(new RegExp(`inventory\\.yaml:${line}:\\d+: groups\\.site_a\\.vars\\.rclone_sync_jobs\\[0\\]: `));
    expect(out).toContain(`groups.site_a.vars.rclone_sync_jobs[0]: ${message}`);
    expect(jsonEvents(r.stdout).filter((e) => 'host' in e)).toEqual([]);
  });
});
