/**
 * `npm run bench:backup`: backup and restore times of a WordPress database of a given size, and
 * what the remote holds after N more runs. Prints figures; asserts nothing.
 *  1. Two fresh lab hosts (the current lab: WPHA_LAB_* as for tests): "db" with the mariadb and
 *     backup roles, "target" with backup_target (the SFTP remote). wpha apply.
 *  2. WordPress's wp_posts/wp_postmeta filled with POSTS posts by SQL (backup-data.ts), and an
 *     uploads folder of FILES random files of 64 KiB.
 *  3. `wpha backup run` with mariadb-dump, then `wpha backup restore --db` (load beside, swap).
 *  4. RUNS more runs, each after 100 new posts and 20 new files: time, size of the remote.
 *  5. The same database with mariabackup: backup and restore (whole server).
 * Settings (environment): WPHA_BENCH_POSTS (100000), WPHA_BENCH_FILES (300), WPHA_BENCH_RUNS (5),
 * WPHA_BENCH_KEEP=1 keeps the hosts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { Lab } from '../lab/lab.js';
import { labConfig } from '../lab/config.js';
import { projectRoot } from '../paths.js';
import { postsSql, uploadsScript, wordpressSchemaSql } from './backup-data.js';

const log = (s: string) => console.error(`[bench:backup] ${s}`);
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const POSTS = num('WPHA_BENCH_POSTS', 100_000);
const FILES = num('WPHA_BENCH_FILES', 300);
const RUNS = num('WPHA_BENCH_RUNS', 5);
const UPLOADS = '/var/lib/wordpress/wp-content/uploads/bench';
const MiB = (bytes: number) => (bytes / 1048576).toFixed(1);

interface Host {
  name: string;
  address: string;
}

async function main(): Promise<void> {
  const lab = new Lab(labConfig(), log);
  const tag = randomBytes(3).toString('hex');
  const up = await lab.up([{ name: `bench-backup-${tag}-db` }, { name: `bench-backup-${tag}-target` }]);
  const [db, target] = up.map((h) => ({ name: h.name, address: h.address })) as [Host, Host];
  const { sshKey, knownHosts } = lab.paths;
  const ssh = async (h: Host, cmd: string): Promise<string> => {
    const r = await execa('ssh', ['-i', sshKey, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${h.address}`, cmd], {
      reject: false,
      input: '',
      timeout: 3_600_000,
    });
    if (r.exitCode !== 0) throw new Error(`${h.name}: ${cmd.slice(0, 120)}: exit ${r.exitCode}: ${String(r.stderr).slice(-500)}`);
    return String(r.stdout);
  };
  const wpha = async (args: string[]): Promise<number> => {
    const t0 = performance.now();
    const r = await execa('node', [path.join(projectRoot(), 'bin/wpha'), ...args], { reject: false, input: '', env: { CI: '1' }, timeout: 3_600_000 });
    if (r.exitCode !== 0) throw new Error(`wpha ${args.join(' ')}: exit ${r.exitCode}\n${String(r.stdout).slice(-1500)}\n${String(r.stderr).slice(-1500)}`);
    return (performance.now() - t0) / 1000;
  };
  const remoteBytes = async () => Number((await ssh(target, `du -sb /srv/rbackup/wpha-backups 2>/dev/null | cut -f1 || echo 0`)).trim() || 0);
  const figures: [string, string][] = [];
  const add = (what: string, value: string) => {
    figures.push([what, value]);
    log(`${what}: ${value}`);
  };

  try {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-bench-backup-'));
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', path.join(dir, 'key')]);
    const kh = readFileSync(knownHosts, 'utf8')
      .split('\n')
      .filter((l) => l.split(/[ ,]/).includes(target.address))
      .join('\n');
    const site = { id: 'shop', domain: 'shop.lab', title: 'Bench', db_name: 'wp_shop', db_user: 'wp_shop', admin_user: 'admin', admin_email: 'a@shop.lab' };
    writeFileSync(
      path.join(dir, 'inventory.yaml'),
      stringify({
        defaults: { user: 'root', ssh: { key: sshKey, known_hosts: knownHosts } },
        hosts: { [db.name]: { address: db.address }, [target.name]: { address: target.address } },
        groups: { db: { hosts: [db.name], roles: ['mariadb', 'backup'] }, target: { hosts: [target.name], roles: ['backup_target'] } },
        vars: {
          wordpress_sites: [site],
          wordpress_db_passwords: { shop: 'bench-not-secret' },
          mariadb_innodb_buffer_pool_mb: 256,
          mariadb_client_group: 'db',
          rclone_remotes: [{ name: 'offsite', type: 'sftp', host: target.address, user: 'rbackup', key_pem: readFileSync(path.join(dir, 'key'), 'utf8'), known_hosts: kh }],
          backup_target_keys: [readFileSync(path.join(dir, 'key.pub'), 'utf8').trim()],
          backup_db: true,
          backup_paths: ['/var/lib/wordpress/wp-content'],
          backup_remote: 'offsite',
          backup_timer: false,
        },
      }),
    );
    const inv = ['-i', dir];
    add('apply from fresh hosts (s)', (await wpha(['apply', ...inv])).toFixed(1));

    const t0 = performance.now();
    await ssh(db, `mariadb <<'SQL'\n${wordpressSchemaSql('wp_shop')}\n${postsSql('wp_shop', POSTS)}\nSQL`);
    await ssh(db, uploadsScript(UPLOADS, FILES, 64));
    add(`generate ${POSTS} posts (SQL) + ${FILES} uploads (s)`, ((performance.now() - t0) / 1000).toFixed(1));
    // ANALYZE first: InnoDB's table statistics (data_length) lag behind a bulk insert.
    const dbMb = (
      await ssh(
        db,
        'mariadb -NBe "ANALYZE TABLE wp_shop.wp_posts, wp_shop.wp_postmeta" >/dev/null && mariadb -NBe "SELECT ROUND(SUM(data_length + index_length) / 1048576, 1) FROM information_schema.tables WHERE table_schema = \'wp_shop\'"',
      )
    ).trim();
    add('database size on disk (MiB, data + indexes)', dbMb);

    add('backup, mariadb-dump + wp-content (s)', (await wpha(['backup', 'run', ...inv])).toFixed(1));
    const setBytes = (await ssh(db, 'cd /var/backups/wpha/sets && for d in *; do echo "$d $(du -sb $d | cut -f1) $(stat -c %s $d/db-wp_shop.sql.zst)"; done | tail -n 1')).trim().split(' ');
    add('first backup: whole / database dump (MiB, zstd -3)', `${MiB(Number(setBytes[1]))} / ${MiB(Number(setBytes[2]))}`);
    add('remote after the first backup (MiB)', MiB(await remoteBytes()));
    add('restore --db, dump loaded beside and swapped in (s)', (await wpha(['backup', 'restore', ...inv, '--host', db.name, '--db'])).toFixed(1));
    add('posts after the restore', (await ssh(db, 'mariadb -NBe "SELECT COUNT(*) FROM wp_shop.wp_posts"')).trim());

    const runTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await ssh(db, `mariadb <<'SQL'\n${postsSql('wp_shop', 100, POSTS + i * 100)}\nSQL`);
      await ssh(db, uploadsScript(UPLOADS, 20, 64, FILES + i * 20));
      runTimes.push(await wpha(['backup', 'run', ...inv]));
      log(`run ${i + 1}: ${runTimes.at(-1)!.toFixed(1)} s, remote ${MiB(await remoteBytes())} MiB`);
    }
    add(`${RUNS} more runs (100 posts + 20 files before each): time per run (s)`, runTimes.map((t) => t.toFixed(1)).join(', '));
    add(`remote after ${1 + RUNS} backups (MiB; files differential, database whole each time)`, MiB(await remoteBytes()));

    await wpha(['apply', ...inv, '-e', 'backup_db_method=mariabackup']);
    add('backup, mariabackup (whole server) + wp-content (s)', (await wpha(['backup', 'run', ...inv])).toFixed(1));
    const mb = (await ssh(db, 'cd /var/backups/wpha/sets && d=$(ls | tail -n 1) && stat -c %s $d/db.mbstream.zst')).trim();
    add('mariabackup stream (MiB, zstd -3)', MiB(Number(mb)));
    add('restore --db, mariabackup (prepare, swap the data folder, restart) (s)', (await wpha(['backup', 'restore', ...inv, '--host', db.name, '--db'])).toFixed(1));
    add('posts after the restore', (await ssh(db, 'mariadb -NBe "SELECT COUNT(*) FROM wp_shop.wp_posts"')).trim());
  } finally {
    if (process.env.WPHA_BENCH_KEEP !== '1') await lab.stop([db.name, target.name], { purge: true });
  }
  const w = Math.max(...figures.map(([k]) => k.length));
  console.log(`\nbench:backup (${POSTS} posts, ${FILES} uploads of 64 KiB; lab hosts share this machine's CPUs, figures are wall clock)`);
  for (const [k, v] of figures) console.log(`  ${k.padEnd(w)}  ${v}`);
}

main().catch((e: Error) => {
  console.error(`[bench:backup] failed: ${e.message}`);
  process.exitCode = 1;
});
