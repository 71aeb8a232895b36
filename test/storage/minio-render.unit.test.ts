/**
 * The minio role and the web tier's bucket settings, rendered for the prod-example inventory
 * (four MinIO servers, two web nodes) with recorded facts, without a host: MinIO is in neither
 * Debian nor npm, so no test here can run it (the lab proves the same S3 behaviour against Swift:
 * test/storage/uploads.test.ts). Checked: binaries only with sha256, the server's environment
 * (every drive of every server over TLS, root credentials in a root/minio-user file), the unit,
 * the bucket and user policies (parsed), the setup script run against a fake mc, the nginx and
 * WordPress settings pointing at MinIO, and the bad inputs the role refuses.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, formatIssue } from '../../src/errors.js';
import { loadForRun } from '../../src/engine/load.js';
import type { Inventory } from '../../src/model.js';
import { expandHost, recordedFacts, stepContent as content } from '../../src/engine/testing/expand-host.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SECRET = 'REPLACE-with-a-vault-value';

describe('minio role on the prod-example inventory (rendered: MinIO cannot run here)', () => {
  let inv: Inventory;
  const steps = (host: string) => expandHost(inv, host, recordedFacts({ hostname: host })).steps;
  const step = (host: string, dest: string) => steps(host).find((s) => (s.args as { dest?: string; name?: string }).dest === dest || (s.args as { name?: string }).name === dest);
  beforeAll(async () => {
    inv = await loadForRun({ inventory: 'prod-example', cwd: root });
  });

  it('installs the server and mc from pinned URLs, only with their sha256', () => {
    const s = steps('minio2');
    const downloads = s.filter((x) => x.op.name === 'get_url').map((x) => x.args as { url: string; dest: string; sha256: string; mode: string });
    expect(downloads.map((d) => [d.dest, d.mode, /^[0-9a-f]{64}$/.test(d.sha256), d.url.startsWith('https://')])).toEqual([
      ['/usr/local/bin/minio', '0755', true, true],
      ['/usr/local/bin/mc', '0755', true, true],
    ]);
    expect(s.filter((x) => x.op.name === 'artifact')).toEqual([]);
  });

  it('runs every server over every drive of the group, with TLS and root credentials readable by root and MinIO only', () => {
    const env = content(steps('minio3'), '/etc/default/minio');
    expect(env).toContain(
      'MINIO_VOLUMES="https://minio1.shop.internal:9000/srv/minio/data1 https://minio2.shop.internal:9000/srv/minio/data1 https://minio3.shop.internal:9000/srv/minio/data1 https://minio4.shop.internal:9000/srv/minio/data1"\n',
    );
    expect(env).toContain('MINIO_OPTS="--address :9000 --console-address :9001 --certs-dir /etc/minio/certs"\n');
    expect(env).toContain(`MINIO_ROOT_USER=minio-admin\nMINIO_ROOT_PASSWORD=${SECRET}\n`);
    expect(step('minio3', '/etc/default/minio')!.args).toMatchObject({ owner: 'root', group: 'minio-user', mode: '0640', sensitive: true });
    expect(step('minio3', '/etc/minio/certs/private.key')!.args).toMatchObject({ owner: 'root', group: 'minio-user', mode: '0640', sensitive: true });
    // Same list, same order on every server (MinIO refuses to start otherwise).
    expect(content(steps('minio1'), '/etc/default/minio').match(/^MINIO_VOLUMES=.*$/m)![0]).toBe(env.match(/^MINIO_VOLUMES=.*$/m)![0]);
  });

  it('has a unit that runs MinIO as its own user, with no secret in it', () => {
    const unit = step('minio1', 'minio.service')!.args as { content: string | Buffer; enabled: boolean };
    const text = String(unit.content);
    expect(text).toMatch(/^User=minio-user$/m);
    expect(text).toMatch(/^EnvironmentFile=\/etc\/default\/minio$/m);
    expect(text).toMatch(/^ExecStart=\/usr\/local\/bin\/minio server \$MINIO_OPTS \$MINIO_VOLUMES$/m);
    expect(text).toMatch(/^LimitNOFILE=1048576$/m);
    expect(text).not.toContain(SECRET);
    expect(unit.enabled).toBe(true);
  });

  it('lets anyone read an upload by URL but list nothing, and each user reach its own bucket only', () => {
    const s = steps('minio1');
    const json = (dest: string) => JSON.parse(content(s, dest)) as { Statement: { Effect: string; Principal?: unknown; Action: string[]; Resource: string[] }[] };
    expect(json('/etc/minio/wpha/public-uploads.json').Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::uploads/*'] }]);
    expect(s.some((x) => (x.args as { dest?: string }).dest === '/etc/minio/wpha/public-backups.json')).toBe(false);
    const uploads = json('/etc/minio/wpha/policy-wp-uploads.json').Statement;
    expect(uploads.flatMap((st) => st.Resource)).toEqual(['arn:aws:s3:::uploads', 'arn:aws:s3:::uploads/*']);
    expect(uploads.flatMap((st) => st.Action)).not.toContain('s3:*');
    expect(json('/etc/minio/wpha/policy-backup.json').Statement.flatMap((st) => st.Resource)).toEqual(['arn:aws:s3:::backups', 'arn:aws:s3:::backups/*']);
  });

  it('sets buckets, users and policies with a script that runs again safely (run here against a fake mc)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-minio-setup-'));
    const script = path.join(dir, 'setup.sh');
    writeFileSync(script, content(steps('minio1'), '/etc/minio/wpha/setup.sh'));
    writeFileSync(path.join(dir, 'env'), content(steps('minio1'), '/etc/default/minio'));
    // The fake mc logs its arguments; `admin user info` shows the policy already attached for
    // "backup" only (so only wp-uploads gets an attach).
    writeFileSync(
      path.join(dir, 'mc'),
      `#!/bin/sh\nprintf '%s|' "$@" >> "${dir}/calls"; echo >> "${dir}/calls"\ncase "$*" in *"admin user info"*backup*) echo "PolicyName: wpha-backup" ;; esac\nexit 0\n`,
    );
    chmodSync(path.join(dir, 'mc'), 0o755);
    execFileSync('sh', [script], { env: { PATH: '/usr/bin:/bin', WPHA_MINIO_ENV: path.join(dir, 'env'), WPHA_MC: path.join(dir, 'mc'), WPHA_WAIT: '0' } });
    const calls = readFileSync(path.join(dir, 'calls'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.replace(/^--config-dir\|\/etc\/minio\/mc\|--quiet\|/, '').replace(/\|$/, ''));
    expect(calls).toEqual([
      'admin|info|wpha',
      'mb|--ignore-existing|--region|us-east-1|wpha/uploads',
      'anonymous|set-json|/etc/minio/wpha/public-uploads.json|wpha/uploads',
      'mb|--ignore-existing|--region|us-east-1|wpha/backups',
      'anonymous|set|none|wpha/backups',
      'version|enable|wpha/backups',
      `admin|user|add|wpha|wp-uploads|${SECRET}`,
      'admin|policy|create|wpha|wpha-wp-uploads|/etc/minio/wpha/policy-wp-uploads.json',
      'admin|user|info|wpha|wp-uploads',
      'admin|policy|attach|wpha|wpha-wp-uploads|--user|wp-uploads',
      'admin|user|add|wpha|backup|REPLACE-with-a-vault-value-too',
      'admin|policy|create|wpha|wpha-backup|/etc/minio/wpha/policy-backup.json',
      'admin|user|info|wpha|backup',
    ]);
  });

  it('points the web nodes at MinIO: WordPress writes to the bucket, nginx reads it over verified TLS through a cache', () => {
    const s = steps('web1');
    const site = content(s, '/etc/nginx/sites-enabled/shop.conf');
    const loc = site.slice(site.indexOf('location ^~ /wp-content/uploads/'), site.indexOf('    }\n', site.indexOf('location ^~ /wp-content/uploads/')));
    expect(loc).toContain('proxy_pass https://s3.shop.internal:9000/uploads/shop/;');
    expect(loc).toContain('proxy_ssl_verify on;');
    expect(loc).toContain('proxy_ssl_trusted_certificate /etc/nginx/wpha-s3-ca.pem;');
    expect(loc).toContain('limit_except GET { deny all; }');
    expect(loc).toContain('proxy_cache WPHA_UPLOADS;');
    expect(content(s, '/etc/nginx/conf.d/wpha-uploads.conf')).toMatch(
      /^proxy_cache_path \/var\/cache\/nginx\/uploads levels=1:2 keys_zone=WPHA_UPLOADS:16m inactive=30d max_size=10g use_temp_path=off;$/m,
    );
    const config = content(s, '/etc/wordpress/config-shop.php');
    expect(config).toContain("define('WPHA_S3_ENDPOINT', 'https://s3.shop.internal:9000');");
    expect(config).toContain("define('WPHA_S3_PREFIX', 'shop/');");
    expect(config).toContain(`define('WPHA_S3_SECRET_KEY', <<<'WPHA_VALUE_END'\n${SECRET}\nWPHA_VALUE_END);`);
    expect(config).toContain("define('WPHA_S3_CA_FILE', '/etc/wordpress/s3-ca.pem');");
    expect(s.some((x) => (x.args as { dest?: string }).dest === '/var/lib/wordpress/wp-content/mu-plugins/wpha-s3-uploads.php')).toBe(true);
  });

  it.each([
    ['minio_binary_sha256=abc', /minio_binary_sha256: MinIO .*|minio_binary_sha256 and minio_mc_sha256 must be the binaries' sha256/],
    ['minio_binary_file=/srv/artifacts/minio', /The MinIO server and mc each come from exactly one of a URL/],
    ['minio_tls_key=', /MinIO needs TLS/],
    ['minio_root_password=short', /MinIO needs a root user of 3 characters or more and a root password of 8 or more/],
  ])('refuses %s before any host is contacted', async (extra, message) => {
    const err = await loadForRun({ inventory: 'prod-example', cwd: root, extraVars: [extra] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const lines = (err as InputError).issues.map(formatIssue);
    expect(lines.some((l) => message.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain('short\n');
  });

  it('refuses a user without a secret key, naming the file and line', async () => {
    const err = await loadForRun({
      inventory: 'prod-example',
      cwd: root,
      extraVars: [
        '@' +
          writeExtra({
            minio_users: [
              { name: 'wp-uploads', buckets: ['uploads'] },
              { name: 'ghost', buckets: ['uploads'] },
            ],
          }),
      ],
    }).catch((e: unknown) => e);
    expect((err as InputError).issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^\S+\.yaml:1:\d+: minio_users\[1\]: Item "ghost": A MinIO user needs a secret key of 8 characters or more in minio_user_secrets \(from the vault\) \(role "minio"\)$/),
    ]);
  });
});

function writeExtra(vars: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-extra-')), 'extra.yaml');
  writeFileSync(file, `${JSON.stringify(vars)}\n`);
  return file;
}
