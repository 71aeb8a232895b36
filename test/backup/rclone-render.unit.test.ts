/**
 * The rclone role rendered without touching a host: one remote of each type from the
 * inventory, the config and keys root-only, secrets only where rclone needs them, and bad
 * remotes refused at load with the file and line of the remote.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadForRun } from '../../src/engine/load.js';
import { InputError, formatIssue } from '../../src/errors.js';
import { expandHost, fileContent, fileStep, labFacts } from '../helpers/expand-host.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
const remotes = [
  { name: 'objects', type: 's3', provider: 'Minio', endpoint: 'http://10.0.0.9:9000', access_key_id: 'backup', secret_access_key: 's3-secret-value-1' },
  { name: 'offsite', type: 'sftp', host: '10.0.0.8', user: 'rbackup', key_pem: KEY, known_hosts: '10.0.0.8 ssh-ed25519 AAAAC3Nza', options: { disable_concurrent_writes: 'true' } },
  { name: 'swift1', type: 'swift', user: 'test:tester', key: 'swift-key-value-2', auth: 'http://10.0.0.7:8080/auth/v1.0' },
];

/** An inventory of one host with the rclone role; `groupVars` is written to group_vars/db.yaml. */
function inventory(groupVars: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-rclone-render-'));
  writeFileSync(path.join(dir, 'inventory.yaml'), stringify({ defaults: { user: 'root' }, hosts: { db1: { address: '10.0.0.5' } }, groups: { db: { hosts: ['db1'], roles: ['rclone'] } } }));
  mkdirSync(path.join(dir, 'group_vars'));
  writeFileSync(path.join(dir, 'group_vars', 'db.yaml'), stringify(groupVars));
  return dir;
}

async function loadIssues(dir: string): Promise<string[]> {
  try {
    await loadForRun({ inventory: dir, cwd: dir });
  } catch (e) {
    if (e instanceof InputError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

describe('rclone role, rendered', () => {
  it('writes each remote with its own settings, root-only', async () => {
    const inv = await loadForRun({ inventory: inventory({ rclone_remotes: remotes }), cwd: root });
    const { steps } = expandHost(inv, 'db1', labFacts('db1', '10.0.0.5'));
    const conf = fileContent(steps, '/root/.config/rclone/rclone.conf');
    const body = conf.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(body).toEqual([
      '[objects]',
      'type = s3',
      'provider = Minio',
      'access_key_id = backup',
      'secret_access_key = s3-secret-value-1',
      'endpoint = http://10.0.0.9:9000',
      'force_path_style = true',
      '[offsite]',
      'type = sftp',
      'host = 10.0.0.8',
      'port = 22',
      'user = rbackup',
      'key_file = /root/.config/rclone/offsite.key',
      'known_hosts_file = /root/.config/rclone/offsite.known_hosts',
      'shell_type = none',
      'disable_concurrent_writes = true',
      '[swift1]',
      'type = swift',
      'user = test:tester',
      'key = swift-key-value-2',
      'auth = http://10.0.0.7:8080/auth/v1.0',
    ]);
    expect(conf).toContain('not encrypted');
    expect(fileStep(steps, '/root/.config/rclone/rclone.conf').args).toMatchObject({ mode: '0600', owner: 'root', sensitive: true });
    expect(fileStep(steps, '/root/.config/rclone').args).toMatchObject({ state: 'directory', mode: '0700' });
    expect(fileContent(steps, '/root/.config/rclone/offsite.key')).toBe(KEY);
    expect(fileStep(steps, '/root/.config/rclone/offsite.key').args).toMatchObject({ mode: '0600', sensitive: true });
    expect(fileContent(steps, '/root/.config/rclone/offsite.known_hosts')).toBe('10.0.0.8 ssh-ed25519 AAAAC3Nza\n');
    // Only SFTP remotes get key and known_hosts files.
    expect(steps.filter((s) => /\.(key|known_hosts)$/.test(String((s.args as { dest?: string }).dest)))).toHaveLength(2);
  });

  it('masks every secret key of the remotes in output', async () => {
    const { secretsRedactor } = await import('../../src/engine/load.js');
    const inv = await loadForRun({ inventory: inventory({ rclone_remotes: remotes }), cwd: root });
    const r = secretsRedactor(inv);
    expect(r.redact('s3-secret-value-1 swift-key-value-2 rbackup')).toBe('*** *** rbackup');
    expect(r.redact(KEY)).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
  });

  it('uses a key file already on the host, and no keys at all with env_auth', async () => {
    const inv = await loadForRun({
      inventory: inventory({
        rclone_remotes: [
          { name: 'o', type: 'sftp', host: 'h', user: 'u', key_file: '/root/.ssh/id_ed25519', known_hosts: 'h ssh-ed25519 A' },
          { name: 'aws', type: 's3', provider: 'AWS', env_auth: true, region: 'eu-west-1' },
        ],
      }),
      cwd: root,
    });
    const { steps } = expandHost(inv, 'db1', labFacts('db1', '10.0.0.5'));
    const conf = fileContent(steps, '/root/.config/rclone/rclone.conf');
    expect(conf).toContain('key_file = /root/.ssh/id_ed25519\nknown_hosts_file = /root/.config/rclone/o.known_hosts\nshell_type = none\n');
    expect(conf).toContain('[aws]\ntype = s3\nprovider = AWS\nenv_auth = true\nregion = eu-west-1\nforce_path_style = true\n');
    expect(conf).not.toContain('access_key_id');
    expect(steps.some((s) => String((s.args as { dest?: string }).dest).endsWith('.key'))).toBe(false);
  });

  it('refuses a remote without credentials, an unknown key and a bad name, naming the line', async () => {
    const issues = await loadIssues(
      inventory({
        rclone_remotes: [
          { name: 'objects', type: 's3', endpoint: 'http://10.0.0.9:9000', access_key_id: 'backup' },
          { name: 'offsite', type: 'sftp', host: '10.0.0.8', user: 'rbackup', known_hosts: 'x' },
          { name: '../etc', type: 'swift', user: 'u', key: 'k', auth: 'a', pasword: 'p' },
        ],
      }),
    );
    expect(issues).toEqual([
      'group_vars/db.yaml:2:5: rclone_remotes[0]: Variable "rclone_remotes" of role "rclone": Missing key "secret_access_key", required when type == \'s3\' and not env_auth (S3 secret key (from the vault).)',
      'group_vars/db.yaml:6:5: rclone_remotes[1]: Variable "rclone_remotes" of role "rclone": Missing key "key_pem", required when type == \'sftp\' and not key_file (SFTP private key, OpenSSH or PEM text (from the vault); written 0600 next to rclone.conf.)',
      expect.stringMatching(/^group_vars\/db\.yaml:16:5: rclone_remotes\[2\]\.pasword: Variable "rclone_remotes" of role "rclone": Unknown key "pasword"; allowed keys: name, type, /),
      'group_vars/db.yaml:11:5: rclone_remotes[2].name: Variable "rclone_remotes" of role "rclone": expected a string matching /[A-Za-z0-9][A-Za-z0-9_-]*/, found string "../etc"',
    ]);
  });
});
