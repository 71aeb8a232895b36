/**
 * The rclone_sync role's runner (roles/rclone_sync/files/wpha-rclone-sync), run with a fake
 * rclone that records its arguments and exits with a chosen code: the arguments of sync and copy
 * jobs (a dated --backup-dir on the destination's remote, the bandwidth limit, extra options as
 * shell words), and the status file monitoring reads (last success kept across a failure, exit
 * codes passed on, JSON that parses whatever the paths hold), one run at a time, and the dated
 * backup folders deleted once older than the days kept.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';
import { backupStamp } from './testing/backup-stamp.js';

const runner = path.join(projectRoot(), 'roles/rclone_sync/files/wpha-rclone-sync');

function setup(conf: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-rclone-sync-'));
  writeFileSync(path.join(dir, 'job.conf'), conf);
  // The fake rclone: one line of arguments per call (separated by |), then the exit code asked.
  // `lsf` lists FAKE_LSF (one name per word); `purge` exits FAKE_PURGE_RC.
  writeFileSync(
    path.join(dir, 'rclone'),
    `#!/bin/sh\n[ -n "\${FAKE_SLEEP:-}" ] && sleep "$FAKE_SLEEP"\nprintf '%s|' "$@" >> "${dir}/calls"; echo >> "${dir}/calls"\n` +
      `case $1 in lsf) for d in \${FAKE_LSF:-}; do echo "$d"; done; exit 0 ;; purge) exit "\${FAKE_PURGE_RC:-0}" ;; esac\nexit "\${FAKE_RC:-0}"\n`,
  );
  chmodSync(path.join(dir, 'rclone'), 0o755);
  const env = (rc: number, extra: Record<string, string> = {}) => ({ PATH: `${dir}:/usr/bin:/bin`, WPHA_STATUS_DIR: path.join(dir, 'status'), WPHA_LOCK_DIR: dir, FAKE_RC: String(rc), ...extra });
  const run = (rc = 0, extra: Record<string, string> = {}) => spawnSync('sh', [runner, path.join(dir, 'job.conf')], { encoding: 'utf8', env: env(rc, extra) });
  const calls = () => readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
  const status = (job: string) => JSON.parse(readFileSync(path.join(dir, 'status', `${job}.json`), 'utf8')) as Record<string, unknown>;
  return { dir, env, run, calls, status };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('wpha-rclone-sync', () => {
  it('syncs with a dated backup dir on the same remote, the bandwidth limit and the extra options', () => {
    const t = setup(
      `JOB_NAME='site-b'\nJOB_MODE='sync'\nJOB_SOURCE='/srv/site a'\nJOB_DEST='siteb':'current'\nJOB_BACKUP_BASE='siteb':'archive'\nJOB_BWLIMIT='08:00,2M 20:00,off'\nJOB_OPTIONS=''"'"'--exclude'"'"' '"'"'*.tmp'"'"''\n`,
    );
    const r = t.run(0);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const [call] = t.calls();
    const args = call!.replace(/\|$/, '').split('|');
    expect(args.slice(0, 7)).toEqual(['sync', '/srv/site a', 'siteb:current', '--log-level', 'INFO', '--stats', '0']);
    expect(args[7]).toBe('--backup-dir');
    expect(args[8]).toMatch(/^siteb:archive\/\d{8}T\d{6}Z$/);
    expect(args.slice(9)).toEqual(['--bwlimit', '08:00,2M 20:00,off', '--exclude', '*.tmp']);
    const s = t.status('site-b');
    expect(s).toMatchObject({ job: 'site-b', mode: 'sync', source: '/srv/site a', destination: 'siteb:current', running: false, last_exit_code: 0, last_failure: null, last_backup_dir: args[8] });
    expect(s.last_success).toMatch(ISO);
    expect(s.last_end).toBe(s.last_success);
  });

  it('passes a failure on to systemd and keeps the last success in the status', () => {
    const t = setup(`JOB_NAME='nightly'\nJOB_MODE='sync'\nJOB_SOURCE='/srv/a "quoted" \\\\ path'\nJOB_DEST='b':'x'\nJOB_BACKUP_BASE='b':'old'\nJOB_BWLIMIT=''\nJOB_OPTIONS=''\n`);
    expect(t.run(0).status).toBe(0);
    const ok = t.status('nightly');
    const failed = t.run(3);
    expect(failed.status).toBe(3);
    const s = t.status('nightly');
    expect(s).toMatchObject({ source: '/srv/a "quoted" \\\\ path', running: false, last_exit_code: 3, last_success: ok.last_success });
    expect(s.last_failure).toMatch(ISO);
    // No bandwidth limit, no options: nothing more than the backup dir.
    expect(t.calls()[1]!.split('|').slice(7, 9)[0]).toBe('--backup-dir');
    expect(t.calls()[1]!.replace(/\|$/, '').split('|')).toHaveLength(9);
  });

  it('deletes the dated backup folders older than the days kept, after a successful sync only, and nothing else', () => {
    const [old, older, recent] = [backupStamp(21), backupStamp(400), backupStamp(19)];
    const conf = (keep: string) => `JOB_NAME='j'\nJOB_MODE='sync'\nJOB_SOURCE='/srv/a'\nJOB_DEST='b':'x'\nJOB_BACKUP_BASE='b':'old'\n${keep}JOB_BWLIMIT=''\nJOB_OPTIONS=''\n`;
    const listed = `${recent} ${old} notes 2020-01-01 ${older} 20991231T000000Z`;
    const t = setup(conf("JOB_BACKUP_KEEP_DAYS='20'\n"));
    const r = t.run(0, { FAKE_LSF: listed });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const calls = t.calls().map((c) => c.replace(/\|$/, '').split('|'));
    expect(calls.slice(1)).toEqual([
      ['lsf', '--dirs-only', '--dir-slash=false', 'b:old'],
      ['purge', `b:old/${old}`, '--log-level', 'ERROR'],
      ['purge', `b:old/${older}`, '--log-level', 'ERROR'],
    ]);
    expect(r.stdout).toContain(`deleted backup folder ${old} (older than 20 days)`);
    // A failed sync deletes nothing; a failed deletion fails the run.
    expect(t.run(3, { FAKE_LSF: listed }).status).toBe(3);
    expect(t.calls()).toHaveLength(5); // the sync only
    const failedPurge = t.run(0, { FAKE_LSF: listed, FAKE_PURGE_RC: '5' });
    expect(failedPurge.status).toBe(5);
    expect(t.status('j')).toMatchObject({ last_exit_code: 5 });
    // 0, or a job file written before the setting existed: everything is kept, nothing listed.
    for (const keep of ["JOB_BACKUP_KEEP_DAYS='0'\n", '']) {
      const k = setup(conf(keep));
      expect(k.run(0, { FAKE_LSF: listed }).status).toBe(0);
      expect(k.calls()).toHaveLength(1);
    }
  });

  it('copies without a backup dir (copy never deletes)', () => {
    const t = setup(`JOB_NAME='push'\nJOB_MODE='copy'\nJOB_SOURCE='/srv/a'\nJOB_DEST='b':'x'\nJOB_BACKUP_BASE=''\nJOB_BWLIMIT='1M'\nJOB_OPTIONS=''\n`);
    expect(t.run(0).status).toBe(0);
    expect(t.calls()).toEqual(['copy|/srv/a|b:x|--log-level|INFO|--stats|0|--bwlimit|1M|']);
    expect(t.status('push')).toMatchObject({ mode: 'copy', last_backup_dir: null, last_exit_code: 0 });
  });

  it('runs one job at a time: a second run exits at once while the first one holds the lock, saying it is running', async () => {
    const t = setup(`JOB_NAME='slow'\nJOB_MODE='copy'\nJOB_SOURCE='/srv/a'\nJOB_DEST='b':'x'\nJOB_BACKUP_BASE=''\nJOB_BWLIMIT=''\nJOB_OPTIONS=''\n`);
    const first = spawn('sh', [runner, path.join(t.dir, 'job.conf')], { env: t.env(0, { FAKE_SLEEP: '3' }) });
    const done = new Promise((res) => first.on('exit', res));
    // The first run marks itself running before it calls rclone.
    for (let i = 0; i < 100; i++) {
      try {
        if (t.status('slow').running === true) break;
      } catch {
        /* not written yet */
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(t.status('slow').running).toBe(true);
    const second = spawnSync('sh', [runner, path.join(t.dir, 'job.conf')], { encoding: 'utf8', env: t.env(0) });
    expect([second.status, second.stderr.trim()]).toEqual([75, 'job slow is already running']);
    expect(await done).toBe(0);
    expect(t.status('slow')).toMatchObject({ running: false, last_exit_code: 0 });
  });
});
