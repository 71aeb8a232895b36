/**
 * The zabbix_agent role's item scripts (roles/zabbix_agent/files) run by /bin/sh against
 * recorded outputs of the programs they ask (curl, mariadb, redis-cli, ip), put first on PATH as
 * small fakes. The lab test asks the same keys through the real agent on real services.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const files = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../roles/zabbix_agent/files');
const dir = mkdtempSync(path.join(tmpdir(), 'wpha-zbx-scripts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake program printing `out` (and exiting with `code`); `$*` is logged to <name>.args. */
function fake(name: string, script: string): void {
  const f = path.join(dir, name);
  writeFileSync(f, `#!/bin/sh\necho "$*" >> ${dir}/${name}.args\n${script}\n`);
  chmodSync(f, 0o755);
}
function run(script: string, args: string[], env: Record<string, string> = {}): { out: string; code: number; err: string } {
  const r = spawnSync('/bin/sh', [path.join(files, script), ...args], { env: { PATH: `${dir}:/usr/bin:/bin`, ...env }, encoding: 'utf8' });
  return { out: r.stdout.trim(), code: r.status ?? -1, err: r.stderr.trim() };
}

const STUB = 'Active connections: 3 \nserver accepts handled requests\n 16 15 21 \nReading: 0 Writing: 1 Waiting: 2 \n';
const FPM =
  'pool:                 shop\nprocess manager:      dynamic\naccepted conn:        10\nlisten queue:         0\nidle processes:       1\nactive processes:     2\nmax children reached: 4\nslow requests:        0\n';
const CSV =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight\nweb,FRONTEND,,,0,1,4096,3,0,0,0,0,0,,,,,OPEN,\nweb,web1,0,0,0,1,,3,0,0,,0,,0,0,0,0,UP,1\nweb,web2,0,0,0,1,,3,0,0,,0,,0,0,0,0,DOWN,1\nweb,web3,0,0,0,1,,3,0,0,,0,,0,0,0,0,UP 1/2,1\nweb,web4,0,0,0,1,,3,0,0,,0,,0,0,0,0,MAINT,1\nweb,BACKEND,0,0,0,1,410,3,0,0,0,0,,0,0,0,0,UP,2\nstats,FRONTEND,,,1,1,4096,2,0,0,0,0,0,,,,,OPEN,\n';

describe('nginx, fpm, http-code, haproxy (curl)', () => {
  it('read stub_status counters', () => {
    fake('curl', `printf '${STUB.replaceAll('\n', '\\n')}'`);
    expect(['active', 'accepts', 'handled', 'requests', 'reading', 'writing', 'waiting'].map((f) => run('nginx', [f, 'http://127.0.0.1/nginx-status']).out)).toEqual([
      '3',
      '16',
      '15',
      '21',
      '0',
      '1',
      '2',
    ]);
    const bad = run('nginx', ['nope', 'http://x']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toBe('unknown field nope');
  });
  it('read the PHP-FPM status page by field, and ping', () => {
    fake('curl', `case "$*" in *fpm-status*) printf '${FPM.replaceAll('\n', '\\n')}' ;; *fpm-ping*) echo pong ;; esac`);
    expect(run('fpm', ['active_processes', 'http://127.0.0.1:80']).out).toBe('2');
    expect(run('fpm', ['max_children_reached', 'http://127.0.0.1:80']).out).toBe('4');
    expect(run('fpm', ['ping', 'http://127.0.0.1:80']).out).toBe('1');
    fake('curl', 'echo "<html>502 Bad Gateway</html>"; exit 22');
    expect(run('fpm', ['ping', 'http://127.0.0.1:80']).out).toBe('0');
    expect(run('fpm', ['active_processes', 'http://127.0.0.1:80']).code).not.toBe(0);
  });
  it('print the HTTP status, 0 when nothing answers', () => {
    fake('curl', 'printf 503');
    expect(run('http-code', ['http://127.0.0.1/wpha-health']).out).toBe('503');
    fake('curl', 'printf 000; exit 7');
    expect(run('http-code', ['http://127.0.0.1/wpha-health']).out).toBe('0');
  });
  it("count one backend's servers by state", () => {
    fake('curl', `printf '${CSV.replaceAll('\n', '\\n')}'`);
    expect(['up', 'down', 'maint'].map((f) => run('haproxy', [f, 'http://127.0.0.1:8404/stats;csv', 'web']).out)).toEqual(['2', '1', '1']);
    expect(run('haproxy', ['up', 'http://127.0.0.1:8404/stats;csv', 'other']).out).toBe('0');
  });
});

describe('mysql (mariadb client)', () => {
  it('reads read_only, the replica threads and lag, and Galera state', () => {
    fake(
      'mariadb',
      `case "$*" in
      *read_only*) echo 1 ;;
      # Like the real client: -N drops the field names of vertical output too.
      *-N*'SLAVE STATUS\\G'* | *skip-column-names*'SLAVE STATUS\\G'*) printf 'Yes\\nNo\\nNULL\\n' ;;
      *'SLAVE STATUS\\G'*) printf '*** 1. row ***\\n  Slave_IO_Running: Yes\\n Slave_SQL_Running: No\\n Seconds_Behind_Master: NULL\\n' ;;
      *'SLAVE STATUS'*) printf 'x\\ty\\n' ;;
      *wsrep_local_state_comment*) printf 'wsrep_local_state_comment\\tSynced\\n' ;;
      *wsrep_cluster_size*) printf 'wsrep_cluster_size\\t3\\n' ;;
      *wsrep_ready*) printf 'wsrep_ready\\tON\\n' ;;
      *wsrep_cluster_status*) printf 'wsrep_cluster_status\\tPrimary\\n' ;;
    esac`,
    );
    fake('mariadb-admin', 'exit 0');
    const v = (f: string) => run('mysql', [f]).out;
    expect([v('ping'), v('read_only'), v('replica'), v('replica_io'), v('replica_sql'), v('replica_lag')]).toEqual(['1', '1', '1', '1', '0', '-1']);
    expect([v('galera_state'), v('galera_size'), v('galera_ready'), v('galera_primary')]).toEqual(['Synced', '3', '1', '1']);
  });
  it('says "not a replica" and "no Galera" on a plain server, 0 when it does not answer', () => {
    fake('mariadb', 'case "$*" in *wsrep*|*SLAVE*) ;; *read_only*) echo 0 ;; esac');
    fake('mariadb-admin', 'exit 1');
    const v = (f: string) => run('mysql', [f]).out;
    expect([v('ping'), v('read_only'), v('replica'), v('replica_io'), v('replica_lag'), v('galera_state'), v('galera_size'), v('galera_primary')]).toEqual(['0', '0', '0', '0', '-1', '', '0', '0']);
  });
});

describe('redis (redis-cli), vips (ip), warmer (status file)', () => {
  it('reads INFO fields with the password in the environment only', () => {
    writeFileSync(path.join(dir, 'redis.auth'), 'p@ss word');
    fake(
      'redis-cli',
      `[ "$REDISCLI_AUTH" = 'p@ss word' ] || exit 9
      case "$*" in *ping*) echo PONG ;; *info*) printf '# Replication\\r\\nrole:slave\\r\\nmaster_link_status:down\\r\\nconnected_slaves:0\\r\\nused_memory:1048576\\r\\nmaxmemory:67108864\\r\\n' ;; esac`,
    );
    const v = (f: string) => run('redis', [f, '6379', path.join(dir, 'redis.auth')]).out;
    expect([v('ping'), v('role'), v('used_memory'), v('maxmemory'), v('connected_slaves'), v('master_link')]).toEqual(['1', 'slave', '1048576', '67108864', '0', '0']);
    expect(spawnSync('grep', ['-c', 'p@ss', path.join(dir, 'redis-cli.args')], { encoding: 'utf8' }).stdout.trim()).toBe('0');
  });
  it('counts the virtual IPs held', () => {
    fake('ip', `echo '2: host0    inet 172.31.250.12/24 brd 172.31.250.255 scope global host0\\n2: host0    inet 172.31.250.10/24 scope global secondary host0'`);
    expect(run('vips', ['172.31.250.10/24']).out).toBe('1');
    expect(run('vips', ['172.31.250.10/24', '172.31.250.9/24']).out).toBe('1');
    expect(run('vips', ['172.31.250.1/24']).out).toBe('0');
  });
  it("gives the warmer's last run age and failures", () => {
    const status = path.join(dir, 'status.json');
    writeFileSync(status, '{\n  "finished": "x",\n  "failures": 2,\n  "sitemap_failures": 1,\n  "pages_warmed": 9\n}\n');
    const t = Date.now() / 1000 - 120;
    utimesSync(status, t, t);
    expect(Number(run('warmer', ['age', status]).out)).toBeGreaterThanOrEqual(120);
    expect(run('warmer', ['failures', status]).out).toBe('3');
    expect(run('warmer', ['age', path.join(dir, 'none.json')]).out).toBe('-1');
  });
  it("gives the backup role's last success age and last result", () => {
    const status = path.join(dir, 'backup-status');
    const when = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    writeFileSync(status, `result failed\ntime 2026-12-04T10:00:00Z\nid 20261204T100000Z\nmessage the push failed\nlast_success ${when}\n`);
    expect(Number(run('backup', ['age', status]).out)).toBeGreaterThanOrEqual(3600);
    expect(Number(run('backup', ['age', status]).out)).toBeLessThan(3700);
    expect(run('backup', ['result', status]).out).toBe('0');
    writeFileSync(status, 'result ok\ntime x\nid y\nmessage taken\n');
    expect(run('backup', ['age', status]).out).toBe('-1');
    expect(run('backup', ['result', status]).out).toBe('1');
    expect(run('backup', ['age', path.join(dir, 'none')]).out).toBe('-1');
  });
});
