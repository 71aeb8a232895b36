/**
 * The backup role and `wpha backup` on three fresh lab hosts: "site" (WordPress + MariaDB +
 * backup), "target" (backup_target: the SFTP remote) and "fresh" (the same roles, never given
 * the site's data). Proven here: a backup taken through the timer's service; the database
 * dropped and a wp-content file deleted, then restored: the same page, the same rows, the same
 * files byte for byte; the same backup restored from the remote onto the fresh host; a backup
 * that fails its checksum refused (nothing touched), here and on the remote; mariabackup;
 * retention over 30 days of faked backups, here and on the remote, keeping the newest verified
 * one when every later one is corrupt; the replica hook; age encryption with the key only in
 * the vault; bad input refused before any host is touched; the second apply changes nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { execa } from 'execa';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { stopwatch } from '../helpers/stopwatch.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labVars = (group: string) => parse(readFileSync(path.join(root, 'inventories/lab/group_vars', `${group}.yaml`), 'utf8')) as Record<string, unknown>;
const SITE = 'shop.lab';
const WP_CONTENT = '/var/lib/wordpress/wp-content';
const VAULT_PASS = 'lab-backup-test-passphrase';

type Host = { name: string; address: string };

describe('backup role and wpha backup on lab hosts (site, target, fresh)', () => {
  let lab: LabHosts;
  let invDir: string;
  let site: Host, target: Host, fresh: Host;
  let postId: string;
  const { seconds, timed } = stopwatch();

  /** Runs on a host and returns stdout; a failing command fails the test with its stderr. */
  const sh = async (h: Host, cmd: string, input?: string) => {
    const r = await lab.ssh(h.name, cmd, input === undefined ? {} : { input });
    if (r.code !== 0) throw new Error(`${h.name}: ${cmd}\nexit ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const backup = (args: string[], env: Record<string, string> = {}) => runWpha(['backup', ...args, '-i', invDir], { env, timeoutMs: 900_000 });
  /**
   * A post as served by `h`, fetched from the site host: the site's name resolved to `h`
   * (WordPress redirects ?p= to the post's permalink), a query string bypassing the page cache.
   */
  const page = async (h: Host, p: string) => {
    const body = await sh(site, `curl -s -f -L --max-redirs 3 --resolve ${SITE}:80:${h.address} 'http://${SITE}/?p=${p}&uncached=1'`);
    expect(body).toContain('</html>');
    return body;
  };
  /** What must come back: every table's rows (checksums) and every wp-content file (mode, owner, sha256). */
  const state = async (h: Host) => {
    const tables = (await sh(h, 'mariadb -NBe "SELECT table_name FROM information_schema.tables WHERE table_schema = \'wp_shop\' ORDER BY 1"')).split('\n').filter(Boolean);
    const sums = await sh(h, `mariadb -NBe "CHECKSUM TABLE ${tables.map((t) => `wp_shop.${t}`).join(', ')} EXTENDED"`);
    const files = await sh(h, `cd ${WP_CONTENT} && find . -path ./cache -prune -o -printf '%p %y %m %U:%G\\n' | sort && find . -path ./cache -prune -o -type f -print0 | sort -z | xargs -0 sha256sum`);
    return { tables, sums, files };
  };
  // WP-Cron (a timer every minute) writes to the database: it is held while rows are compared,
  // and let run again before the last apply. Stopping the timer alone lets a run it has just
  // started go on writing (wp_options, wp_postmeta) after a backup: that run is stopped too.
  const cron = (action: 'stop' | 'start') =>
    Promise.all([site, fresh].map((h) => sh(h, action === 'stop' ? 'systemctl stop wpha-wp-cron-shop.timer wpha-wp-cron-shop.service' : 'systemctl start wpha-wp-cron-shop.timer')));
  const apply = async (extra: string[] = [], dir = invDir) => {
    const r = await runWpha(['apply', '-i', dir, '--json', ...extra], { timeoutMs: 1_500_000, env: { WPHA_VAULT_PASSWORD_LAB: VAULT_PASS } });
    const failed = tasksOf(jsonEvents(r.stdout)).filter((t) => t.status === 'failed');
    expect(failed.map((t) => `${t.host} ${t.task}: ${t.error}`)).toEqual([]);
    expect(r.code).toBe(0);
    await cron('stop');
    return r;
  };
  let atBackup: Awaited<ReturnType<typeof state>>;

  beforeAll(async () => {
    lab = await timed('acquire 3 hosts', () => acquireLabHosts(3, 'backup'));
    [site, target, fresh] = lab.hosts as [Host, Host, Host];
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-backup-key-')), 'id');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'backup-test', '-f', keyFile]);
    const knownHosts = readFileSync(lab.knownHosts, 'utf8')
      .split('\n')
      .filter((l) => l.split(/[ ,]/).includes(target.address))
      .join('\n');
    invDir = writeLabInventory(lab, {
      groups: {
        all: { roles: ['common'] },
        // On one host, roles run in group order: the database before WordPress's first install.
        db: { hosts: [site.name, fresh.name], roles: ['mariadb'], vars: labVars('db') },
        web: {
          hosts: [site.name, fresh.name],
          roles: ['php_fpm', 'nginx', 'wordpress'],
          vars: { ...labVars('web'), wordpress_object_cache: false, wordpress_sessions_redis: false, wordpress_redis_host: '127.0.0.1' },
        },
        backup: { hosts: [site.name, fresh.name], roles: ['backup'] },
        target: { hosts: [target.name], roles: ['backup_target'] },
      },
      hostVars: { [site.name]: { wordpress_db_host: site.address }, [fresh.name]: { wordpress_db_host: fresh.address } },
      vars: {
        ...labVars('all'),
        rclone_remotes: [{ name: 'offsite', type: 'sftp', host: target.address, user: 'rbackup', key_pem: readFileSync(keyFile, 'utf8'), known_hosts: knownHosts }],
        backup_target_keys: [readFileSync(`${keyFile}.pub`, 'utf8').trim()],
        backup_db: true,
        backup_paths: [WP_CONTENT],
        backup_remote: 'offsite',
        backup_post_restore: ['find /var/cache/nginx/wordpress -type f -delete'],
      },
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
    process.stderr.write(`[backup] times (s): ${JSON.stringify(seconds)}\n`);
  });

  it('applies from scratch on the three hosts, with the backup timer armed', async () => {
    await timed('apply from scratch', () => apply());
    expect(await sh(site, 'systemctl is-active wpha-backup.timer; systemctl is-enabled wpha-backup.timer; stat -c %a /etc/wpha/backup.conf /var/backups/wpha')).toBe('active\nenabled\n600\n700');
  }, 1_600_000);

  it("takes a backup through the timer's service, kept on the host and on the remote", async () => {
    // Content worth restoring: a post and an upload (a file WordPress did not write).
    postId = (
      await sh(
        site,
        `cd /tmp && runuser -u www-data -- env WORDPRESS_CONFIG=shop WPHA_DOMAIN=${SITE} php /usr/local/lib/wpha/wp-eval.php 'echo wp_insert_post(["post_title" => "Backed up post", "post_content" => "Rows and files come back.", "post_status" => "publish"]);'`,
      )
    ).trim();
    await sh(
      site,
      `install -d -o www-data -g www-data ${WP_CONTENT}/uploads/2026/12 && head -c 300000 /dev/urandom > ${WP_CONTENT}/uploads/2026/12/photo.jpg && chown www-data:www-data ${WP_CONTENT}/uploads/2026/12/photo.jpg`,
    );
    atBackup = await state(site);
    const r = await timed('backup run', () => backup(['run', '--host', site.name]));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${site.name} \\| backup \\d{8}T\\d{6}Z done \\(taken, verified, pushed\\)$`));
    expect(await sh(site, 'journalctl -u wpha-backup.service -o cat --no-pager | grep -c "pushed to offsite:wpha-backups/"')).not.toBe('0');
    const list = await backup(['list', '--host', site.name, '--json']);
    expect(list.code).toBe(0);
    const sets = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { where: string; status: string; files: string; databases: string });
    expect(sets.map((s) => `${s.where} ${s.status}`)).toEqual(['local ok', 'remote ok']);
    expect(sets[0]).toMatchObject({ files: 'full', databases: 'wp_shop', db: 'dump', encryption: 'none' });
  });

  it('restores the dropped database and the deleted file: same page, rows and files, byte for byte', async () => {
    const before = { page: await page(site, postId) };
    expect(before.page).toContain('Rows and files come back.');
    await sh(site, `mariadb -e 'DROP DATABASE wp_shop' && rm ${WP_CONTENT}/uploads/2026/12/photo.jpg && find /var/cache/nginx/wordpress -type f -delete`);
    expect((await lab.ssh(site.name, `curl -s -o /dev/null -w '%{http_code}' -H 'Host: ${SITE}' 'http://${site.address}/?p=${postId}&x=1'`)).stdout).not.toBe('200');
    const dry = await backup(['restore', '--host', site.name, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would restore: db files');
    expect(await sh(site, 'mariadb -NBe "SHOW DATABASES LIKE \'wp_shop\'"')).toBe(''); // the dry run changed nothing
    const r = await timed('restore on the same host', () => backup(['restore', '--host', site.name]));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`restored database wp_shop`);
    expect(r.stdout).toContain(`restored ${WP_CONTENT} (the previous one is ${WP_CONTENT}.wpha-before-restore)`);
    // Rows and files as they were when the backup was taken (a page view writes transients: read first).
    expect(await state(site)).toEqual(atBackup);
    expect(await page(site, postId)).toBe(before.page);
  });

  it('restores the same backup from the remote onto the fresh host, which then serves the site', async () => {
    const want = await page(site, postId);
    const r = await timed('restore onto the fresh host', () => backup(['restore', '--host', fresh.name, '--from', site.name]));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('from the remote');
    expect(await state(fresh)).toEqual(atBackup);
    expect(await page(fresh, postId)).toBe(want);
    expect(await sh(fresh, `ls ${'/var/backups/wpha/restore'} | wc -l`)).toBe('0'); // the download is cleaned up
  });

  it('refuses a backup that fails its checksum, here and on the remote, and touches nothing', async () => {
    const id = (await sh(site, 'ls /var/backups/wpha/sets | tail -n 1')).trim();
    const marker = `INSERT INTO wp_shop.wp_options (option_name, option_value) VALUES ('wpha_after_backup', 'kept')`;
    await sh(site, `mariadb -e "${marker}"`);
    // One byte changed in the dump here, and one in the remote copy of the files archive.
    await sh(site, `f=/var/backups/wpha/sets/${id}/db-wp_shop.sql.zst; printf 'X' | dd of=$f bs=1 seek=100 conv=notrunc status=none`);
    await sh(target, `f=/srv/rbackup/wpha-backups/${site.name}/${id}/files-full.tar.zst; printf 'X' | dd of=$f bs=1 seek=100 conv=notrunc status=none`);
    const here = await backup(['restore', '--host', site.name]);
    expect(here.code).toBe(1);
    expect(here.stderr).toContain(`Backup ${id} of "${site.name}" fails its checksums: nothing was restored`);
    expect(here.stderr).toMatch(/db-wp_shop\.sql\.zst: FAILED/);
    expect(await sh(site, 'mariadb -NBe "SELECT option_value FROM wp_shop.wp_options WHERE option_name = \'wpha_after_backup\'"')).toBe('kept');
    const there = await backup(['restore', '--host', fresh.name, '--from', site.name]);
    expect(there.code).toBe(1);
    expect(there.stderr).toMatch(/files-full\.tar\.zst: FAILED/);
    const verify = await backup(['verify', '--host', site.name]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`${site.name} | bad ${id}`);
    expect((await backup(['verify', '--host', site.name, '--remote'])).stdout).toContain(`${site.name} | bad ${id}`);
  });

  it('backs up and restores the whole server with mariabackup', async () => {
    await apply(['-l', site.name, '-e', 'backup_db_method=mariabackup']);
    expect((await backup(['run', '--host', site.name])).code).toBe(0);
    const want = await state(site);
    await sh(site, "mariadb -e 'DROP DATABASE wp_shop'");
    const r = await backup(['restore', '--host', site.name, '--db']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('restored the whole MariaDB data folder /var/lib/mysql');
    expect(await state(site)).toEqual(want);
    await apply(['-l', site.name]);
  });

  it('backs the database up only on a read-only replica that replicates, with backup_db_source: replica', async () => {
    await apply(['-l', site.name, '-e', 'backup_db_source=replica']);
    const primary = await backup(['run', '--host', site.name]);
    expect(primary.code).toBe(0); // files still backed up; the database is a replica's job
    const id = (await sh(site, 'ls /var/backups/wpha/sets | tail -n 1')).trim();
    expect(await sh(site, `grep ^db_method /var/backups/wpha/sets/${id}/INFO`)).toBe('db_method none (skipped: this server is writable (a primary): the database is backed up on a replica)');
    await sh(site, "mariadb -e 'SET GLOBAL read_only = 1'");
    try {
      const stale = await backup(['run', '--host', site.name]);
      expect(stale.code).toBe(1);
      expect(stale.stdout).toContain('this replica does not replicate (IO none, SQL none)');
    } finally {
      await sh(site, "mariadb -e 'SET GLOBAL read_only = 0'");
    }
    await apply(['-l', site.name]);
  });

  describe('retention over 30 days of backups (dated by the test), here and on the remote', () => {
    const SETS = '/var/backups/wpha/sets';
    let remoteDir: string;
    let ids: string[];
    let now: number;
    const idOf = (t: number) =>
      new Date(t * 1000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    /** Clones backup `src` (a full one) in `dir` as each id: INFO and manifest rewritten, VERIFIED recorded. */
    const cloneScript = (dir: string, src: string, owner = '') => `set -e; cd ${dir}; while read -r id; do
  cp -a ${src} $id; sed -i "s/^id .*/id $id/; s/^files_base .*/files_base $id/" $id/INFO
  (cd $id && sha256sum -- INFO $(awk '$1 == "size" { print $2 }' INFO) > MANIFEST.sha256 && sha256sum < MANIFEST.sha256 | cut -d' ' -f1 > VERIFIED)
  ${owner ? `chown -R ${owner} $id` : ''}
done; rm -rf ${src}`;
    const remaining = async () => ({
      here: (await sh(site, `ls ${SETS}`)).split('\n').filter(Boolean),
      remote: (await sh(target, `ls ${remoteDir}`)).split('\n').filter(Boolean),
    });
    /** 120 backups, one every 6 hours over 30 days (half an hour off the window edges), here and on the remote. */
    const makeBackups = async () => {
      await sh(site, `rm -rf ${SETS}/* && rclone purge offsite:wpha-backups/${site.name}`);
      await cron('stop');
      const id = (await sh(site, 'wpha-backup run 2>/dev/null')).trim();
      now = Number(await sh(site, 'date -u +%s'));
      ids = Array.from({ length: 120 }, (_, i) => idOf(now - (6 * i + 0.5) * 3600));
      await sh(site, cloneScript(SETS, id), ids.join('\n') + '\n');
      await sh(target, cloneScript(remoteDir, id, 'rbackup:rbackup'), ids.join('\n') + '\n');
    };
    const prune = () => sh(site, `WPHA_BACKUP_NOW=${now} wpha-backup prune`);
    /** The rule, written out: every backup of the last 48 h, the newest of each of the last 20 UTC days. */
    const expected = () => {
      const today = Math.floor(now / 86400);
      const keep = new Set(
        ids.filter((id) => Date.parse(`${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}Z`) / 1000 >= now - 48 * 3600),
      );
      const byDay = new Map<number, string>();
      for (const id of ids) {
        const day = Math.floor(Date.parse(`${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T00:00:00Z`) / 86400_000);
        if (today - day < 20 && (!byDay.has(day) || byDay.get(day)! < id)) byDay.set(day, id);
      }
      for (const id of byDay.values()) keep.add(id);
      return [...keep].sort();
    };

    beforeAll(() => {
      remoteDir = `/srv/rbackup/wpha-backups/${site.name}`;
    });

    it('keeps exactly the configured versions', async () => {
      await makeBackups();
      expect((await remaining()).here).toHaveLength(120);
      await prune();
      const want = expected();
      expect(want.length).toBeGreaterThan(20);
      expect(await remaining()).toEqual({ here: want, remote: want });
    });

    it('never drops the newest verified backup, even when every later one is corrupt', async () => {
      await makeBackups();
      const cut = idOf(now - 25 * 86400); // everything newer than 25 days goes bad
      const newer = ids.filter((id) => id > cut);
      // Here: a byte of each dump changed. There: pushes that never finished (no VERIFIED).
      await sh(site, `cd ${SETS}; for id in ${newer.join(' ')}; do printf 'X' | dd of=$id/db-wp_shop.sql.zst bs=1 seek=50 conv=notrunc status=none; done`);
      await sh(target, `cd ${remoteDir}; for id in ${newer.join(' ')}; do rm $id/VERIFIED; done`);
      await prune();
      const newestGood = ids.find((id) => id <= cut)!;
      const recent = ids.filter((id) => id >= idOf(now - 48 * 3600));
      const want = [...recent, newestGood].sort();
      expect(await remaining()).toEqual({ here: want, remote: want });
      expect(Number(newestGood.slice(6, 8))).toBeGreaterThan(0);
    });
  });

  it('encrypts with age: the host holds only the public key, a restore gets the private one from the vault', async () => {
    const keygen = await sh(site, 'age-keygen 2>&1');
    const recipient = /public key: (age1[0-9a-z]+)/.exec(keygen)![1]!;
    const identity = keygen.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    const snippet = await runWpha(['vault', 'encrypt-string', '--label', 'lab', '--name', 'backup_age_identity'], { input: identity, env: { WPHA_VAULT_PASSWORD_LAB: VAULT_PASS } });
    expect(snippet.code).toBe(0);
    mkdirSync(path.join(invDir, 'group_vars'), { recursive: true });
    writeFileSync(path.join(invDir, 'group_vars', 'backup.yaml'), `backup_encryption: age\nbackup_age_recipient: ${recipient}\n${snippet.stdout}`);
    const applied = await apply();
    const run = await backup(['run', '--host', site.name], { WPHA_VAULT_PASSWORD_LAB: VAULT_PASS });
    expect(run.code).toBe(0);
    const id = (await sh(site, 'ls /var/backups/wpha/sets | tail -n 1')).trim();
    const dir = `/var/backups/wpha/sets/${id}`;
    const artifacts = (await sh(site, `ls ${dir}`)).split('\n').filter((f) => f && !['INFO', 'MANIFEST.sha256', 'VERIFIED'].includes(f));
    expect(artifacts.length).toBeGreaterThanOrEqual(3);
    for (const f of artifacts) {
      expect(f).toMatch(/\.zst\.age$/);
      expect(await sh(site, `head -c 21 ${dir}/${f}; zstd -t ${dir}/${f} >/dev/null 2>&1 && echo ' readable' || echo ' unreadable'`)).toBe('age-encryption.org/v1 unreadable');
    }
    await sh(site, "mariadb -e 'DROP DATABASE wp_shop'");
    const restored = await backup(['restore', '--host', site.name, '--db'], { WPHA_VAULT_PASSWORD_LAB: VAULT_PASS });
    expect(restored.code).toBe(0);
    expect(await sh(site, 'mariadb -NBe "SELECT option_value FROM wp_shop.wp_options WHERE option_name = \'wpha_after_backup\'"')).toBe('kept');
    // The private key: in no output, and nowhere on the host once the restore is over.
    for (const out of [applied.stdout, run.stdout, run.stderr, restored.stdout, restored.stderr]) expect(out).not.toContain(identity);
    expect(
      (await lab.ssh(site.name, 'grep -rl AGE-SECRET-KEY /etc /var/backups /var/lib/wpha-backup /run /tmp /root 2>/dev/null; journalctl --no-pager -o cat | grep -c AGE-SECRET-KEY')).stdout.trim(),
    ).toBe('0');
  });

  it('refuses bad input before any host is touched, naming the file and line', async () => {
    const before = await sh(site, 'stat -c %Y /etc/wpha/backup.conf /root/.config/rclone/rclone.conf');
    const variant = (edit: (dir: string) => void) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'wpha-backup-bad-'));
      cpSync(invDir, dir, { recursive: true });
      edit(dir);
      return dir;
    };
    const groupVars = (dir: string, text: string) => {
      mkdirSync(path.join(dir, 'group_vars'), { recursive: true });
      writeFileSync(path.join(dir, 'group_vars', 'backup.yaml'), text);
    };
    const cases: [string, string, RegExp][] = [
      [
        'retention 0',
        variant((d) => groupVars(d, 'backup_retention_days: 0\n')),
        /\bgroup_vars\/backup\.yaml:1:1: backup_retention_days: Variable "backup_retention_days" of role "backup": expected an integer of at least 1, found number 0$/m,
      ],
      [
        'a remote with no credentials',
        variant((d) => {
          const inv = parse(readFileSync(path.join(d, 'inventory.yaml'), 'utf8')) as { vars: { rclone_remotes: Record<string, unknown>[] } };
          delete inv.vars.rclone_remotes[0]!.key_pem;
          writeFileSync(path.join(d, 'inventory.yaml'), stringify(inv));
          groupVars(d, '');
        }),
        /\binventory\.yaml:\d+:\d+: vars\.rclone_remotes\[0\]: Variable "rclone_remotes" of role "rclone": Missing key "key_pem", required when type == 'sftp' and not key_file/m,
      ],
      [
        'an encryption key missing from the vault',
        variant((d) => groupVars(d, 'backup_encryption: age\nbackup_age_recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n')),
        /\bgroup_vars\/backup\.yaml:1:1: backup_encryption: Missing variable "backup_age_identity" of role "backup" for host "[^"]+": required when backup_encryption == 'age'/m,
      ],
    ];
    for (const [what, dir, message] of cases) {
      for (const args of [
        ['apply', '-i', dir],
        ['backup', 'list', '-i', dir],
      ]) {
        const r = await runWpha(args, { env: { WPHA_VAULT_PASSWORD_LAB: VAULT_PASS } });
        expect(r.code, `${what}: ${args[0]}`).toBe(65);
        expect(r.stderr, what).toMatch(message);
        expect(r.stdout, what).toBe('');
      }
    }
    expect(await sh(site, 'stat -c %Y /etc/wpha/backup.conf /root/.config/rclone/rclone.conf')).toBe(before);
  });

  it('changes nothing on the second apply, in one round trip per host', async () => {
    await cron('start');
    const r = await runWpha(['apply', '-i', invDir, '--json'], { env: { WPHA_VAULT_PASSWORD_LAB: VAULT_PASS } });
    expect(r.code).toBe(0);
    const events = jsonEvents(r.stdout);
    expect(
      tasksOf(events)
        .filter((t) => t.status !== 'ok' && t.status !== 'skipped')
        .map((t) => `${t.host} ${t.task} ${t.status}`),
    ).toEqual([]);
    for (const h of [site, target, fresh]) expect(hostDone(events, h.name)).toMatchObject({ recap: { changed: 0, failed: 0 }, roundTrips: 1 });
  });
});
