import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationError } from '../errors.js';
import { editKeys, parseKeyLine, type KeyLine } from './authorized-key-lines.js';
import ak, { type AuthorizedKeyArgs, type AuthorizedKeyState } from './authorized_key.js';
import { converge, planContext, removeTempDir, runApply, runProbe, tempDir } from '../engine/testing/run-local.js';

// Public keys generated with ssh-keygen for these tests.
const ED1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILsNQP8ZYtbLFzJtNMwgxvf7KzqcsldoA2myn/VAGI15 deploy1@ci';
const ED2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8eiFBm/BvQ3qqVpA4+VAAzLIuR6rEAlwTtMvglCeH8 deploy2@ci';
const EC = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD4uswvw/iPbWRnDJv6pPLPOxT21Vsnvj2XM7qaVYGNz8BaxGHcHfeLnYURLI8jclHONOS3Br023F3LVoOKClY0= ec@ci';
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDMwVgjMGtXyGcvJZkYsKIwC8y4oCbH2Aaz049OOa5/GW1PCNSknzw8pNjE8qZX1JO0IQ66CZxUXLGVz2mQffdcPQGL4lb3X5N/kWvGfcdmYHanp7BmHmK+IzMMzujYKtU6ydBa1UyrRgLg90/cGmV9jXTR7p7vYK4zwPCzaMLMSw== rsa@ci';
const key = (s: string) => parseKeyLine(s) as KeyLine;
const args = (a: unknown): AuthorizedKeyArgs => ak.args.parse(a);
const fixtures = join(import.meta.dirname, 'fixtures', 'authorized_key');
const load = (name: string, a: AuthorizedKeyArgs): AuthorizedKeyState => ak.parse({ stdout: readFileSync(join(fixtures, `${name}.txt`), 'utf8'), rc: 0 }, a);
const ctx = planContext();

describe('key lines', () => {
  it.each([ED1, ED2, EC, RSA, `restrict,command="/usr/lib/openssh/sftp-server" ${ED1}`, `from="10.0.0.1,10.0.0.2",no-pty ${ED2}`, ED1.replace(' deploy1@ci', '')])('accepts %s', (line) =>
    expect(parseKeyLine(line)).toHaveProperty('blob'),
  );
  it.each([
    ['ssh-ed25519', /expected "\[options\] TYPE BASE64/],
    [`${ED1}\n${ED2}`, /one line/],
    ['ssh-foo AAAA x', /expected/],
    [ED1.replace('ssh-ed25519', 'ssh-rsa'), /not a ssh-rsa public key/],
    [ED1.replace('AAAAILsNQP8', 'AAAAIL'), /not a ssh-ed25519 public key|expected/],
    ['ssh-ed25519 AAAA', /not a ssh-ed25519 public key/],
    [`command="rm -rf /" ; ${ED1}`, /expected/],
  ])('refuses %j', (line, re) => {
    const r = parseKeyLine(line);
    expect('error' in r && r.error).toMatch(re);
  });
  it('canonical text collapses blanks', () => {
    expect(key(`  ${ED1.replaceAll(' ', '   ')}  `).text).toBe(ED1);
  });
});

describe('editKeys', () => {
  const old = `# CI keys\nrestrict ${ED1.replace('deploy1@ci', 'old')}\n${RSA}\n`;
  it('present: replaces the same key in place, appends new ones, keeps the rest', () => {
    const r = editKeys(old, [key(ED1), key(ED2)], 'present');
    expect(r.text).toBe(`# CI keys\n${ED1}\n${RSA}\n${ED2}\n`);
    expect(r.actions).toEqual([`replace key ssh-ed25519 …${key(ED1).blob.slice(-8)} deploy1@ci (options or comment differ)`, `add key ssh-ed25519 …${key(ED2).blob.slice(-8)} deploy2@ci`]);
  });
  it('present: nothing to do', () => {
    expect(editKeys(`${ED1}\n`, [key(ED1)], 'present')).toEqual({ text: `${ED1}\n`, actions: [] });
  });
  it('present: drops duplicates of a key', () => {
    expect(editKeys(`${ED1}\n${RSA}\n${ED1}\n`, [key(ED1)], 'present').text).toBe(`${ED1}\n${RSA}\n`);
  });
  it('exclusive: only the wanted keys remain', () => {
    const r = editKeys(old, [key(ED2)], 'exclusive');
    expect(r.text).toBe(`${ED2}\n`);
    expect(r.actions).toEqual([
      'remove line "# CI keys"',
      expect.stringMatching(/^remove key ssh-ed25519 .* old$/),
      expect.stringMatching(/^remove key ssh-rsa .* rsa@ci$/),
      expect.stringMatching(/^add key/),
    ]);
  });
  it('absent: removes every line of the key, whatever its options', () => {
    const r = editKeys(old, [key(ED1)], 'absent');
    expect(r.text).toBe(`# CI keys\n${RSA}\n`);
    expect(r.actions).toHaveLength(1);
  });
});

describe('authorized_key args', () => {
  it.each([
    [{ user: 'deploy', key: ED1 }, true],
    [{ user: 'deploy', key: [ED1, EC], exclusive: true }, true],
    [{ user: 'deploy', key: ED1, state: 'absent' }, true],
    [{ user: 'deploy', key: ED1, state: 'absent', exclusive: true }, false],
    [{ user: 'deploy', key: [] }, false],
    [{ user: 'deploy', key: 'not a key' }, false],
    [{ user: 'Deploy', key: ED1 }, false],
    [{ user: 'deploy', key: ED1, path: 'relative/keys' }, false],
  ])('%j valid=%s', (input, ok) => expect(ak.args.safeParse(input).success).toBe(ok));
});

describe('authorized_key plan (recorded)', () => {
  it('default path, no ~/.ssh: create it 0700 for the user, then the file 0600', () => {
    const a = args({ user: 'postgres', key: ED1 });
    const s = load('default-path-no-ssh-dir', a);
    expect(s).toMatchObject({ userExists: true, home: '/var/lib/postgresql', gid: 104 });
    const plan = ak.plan(a, s, ctx);
    expect(plan.summary[0]).toBe('create /var/lib/postgresql/.ssh (mode 0700, postgres)');
    expect(plan.summary).toContain(`add key ssh-ed25519 …${key(ED1).blob.slice(-8)} deploy1@ci`);
    const lines = plan.apply!.split('\n');
    expect(lines[0]).toBe('install -d -m 0700 -o postgres -g 104 -- /var/lib/postgresql/.ssh || exit $?');
    expect(lines[1]).toBe(`wpha_put "$WPHA_STAGE"/${plan.files![0]!.sha256} /var/lib/postgresql/.ssh/authorized_keys 0600 postgres 104 '' '' absent '' || exit $?`);
    expect(plan.files![0]!.content.toString()).toBe(`${ED1}\n`);
    expect(plan.warnings).toBeUndefined();
  });

  it('existing file and dir with loose modes: fix modes, replace the key, guard on the probed content', () => {
    const a = args({ user: 'root', key: ED1, path: '/srv/keys/.ssh/authorized_keys', manage_dir: true });
    const plan = ak.plan(a, load('explicit-path-existing', a), ctx);
    expect(plan.summary).toContain('/srv/keys/.ssh: mode 0755 -> 0700');
    expect(plan.summary).toContain('/srv/keys/.ssh/authorized_keys: mode 0644 -> 0600');
    expect(plan.apply).toContain('wpha_attrs /srv/keys/.ssh 0700 root 0');
    expect(plan.apply).toContain(' d88bf99bd9c4724d7cee61292b652111900d38c35067c4f83187e36ed8267941 ');
  });

  it('a missing user is a plan error for present, nothing for absent', () => {
    expect(() => ak.plan(args({ user: 'deploy', key: ED1 }), { userExists: false }, ctx)).toThrow(OperationError);
    expect(() => ak.plan(args({ user: 'deploy', key: ED1 }), { userExists: false }, ctx)).toThrow(/user "deploy" does not exist/);
    expect(ak.plan(args({ user: 'deploy', key: ED1, state: 'absent' }), load('no-such-user', args({ user: 'deploy', key: ED1 })), ctx).changed).toBe(false);
  });
});

describe('authorized_key run locally with /bin/sh (temp folder, user root)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('creates the directory and file, converges, then exclusive and absent', () => {
    const path = join(dir, 'home', '.ssh', 'authorized_keys');
    mkdirSync(join(dir, 'home'));
    const base = { user: 'root', path, manage_dir: true };
    const first = converge(ak, { ...base, key: [ED1, RSA] }, { scratch: dir });
    expect(first.applied?.rc).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(`${ED1}\n${RSA}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'home', '.ssh')).mode & 0o777).toBe(0o700);
    expect(first.replan?.changed).toBe(false);

    writeFileSync(path, `# added by hand\n${readFileSync(path, 'utf8')}`);
    const only = converge(ak, { ...base, key: ED2, exclusive: true }, { scratch: dir });
    expect(only.applied?.rc).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(`${ED2}\n`);
    expect(only.replan?.changed).toBe(false);

    const gone = converge(ak, { ...base, key: ED2, state: 'absent' }, { scratch: dir });
    expect(gone.applied?.rc).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(gone.replan?.changed).toBe(false);
  });

  it('refuses to write when the file changed after the probe', () => {
    const path = join(dir, 'race_keys');
    writeFileSync(path, `${RSA}\n`);
    const a = args({ user: 'root', path, key: ED1 });
    const plan = ak.plan(a, ak.parse(runProbe(ak, a), a), ctx);
    expect(plan.changed).toBe(true);
    writeFileSync(path, `${EC}\n`);
    const r = runApply(ak, plan, dir);
    expect(r.rc).not.toBe(0);
    expect(r.stderr).toContain('changed on the host since it was read; run again');
    expect(readFileSync(path, 'utf8')).toBe(`${EC}\n`);
  });
});
