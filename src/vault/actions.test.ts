import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { vaultDecrypt, vaultEdit, vaultEncrypt, vaultEncryptString, vaultInit, vaultRekey, vaultView, type VaultIO } from './actions.js';
import { decryptEnvelope, KeyCache } from './cipher.js';
import { parseEnvelope } from './envelope.js';

const PASS = 'project passphrase 2024';
const root = mkdtempSync(path.join(tmpdir(), 'wpha-vault-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function io(dir: string, over: Partial<VaultIO> = {}): VaultIO & { output: string[]; errors: string[] } {
  const output: string[] = [];
  const errors: string[] = [];
  return { cwd: dir, env: { WPHA_VAULT_PASSWORD_PROD: PASS }, out: (s) => void output.push(s), err: (s) => void errors.push(s), readStdin: async () => '', output, errors, ...over };
}

async function project(name: string): Promise<string> {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'inv', 'group_vars'), { recursive: true });
  await vaultInit({ label: 'prod', scryptN: 2 ** 15 }, io(dir));
  return dir;
}

describe('wpha vault commands', () => {
  it('init records the label once and checks the passphrase of later encryptions', async () => {
    const dir = await project('init');
    const check = path.join(dir, '.wpha-vault', 'prod.check');
    expect(parseEnvelope(readFileSync(check, 'utf8')).header.params.N).toBe(2 ** 15);
    await expect(vaultInit({ label: 'prod' }, io(dir))).rejects.toThrow('Vault label "prod" is already initialised');
    const f = path.join(dir, 'inv', 'group_vars', 'all.vault.yaml');
    writeFileSync(f, 'db_password: x\n');
    await expect(vaultEncrypt({ files: [f], label: 'prod' }, io(dir, { env: { WPHA_VAULT_PASSWORD_PROD: 'a typo in it' } }))).rejects.toThrow(
      'The passphrase is not the one vault label "prod" was initialised with',
    );
    expect(readFileSync(f, 'utf8')).toBe('db_password: x\n');
    await expect(vaultInit({ label: 'weak' }, io(dir, { env: { WPHA_VAULT_PASSWORD: 'short' } }))).rejects.toThrow('a vault passphrase must be at least 12 characters long; nothing was changed');
    await expect(vaultInit({ label: 'typed' }, io(dir, { env: {}, prompt: async (q) => (q.startsWith('New') ? 'first answer here' : 'second answer here') }))).rejects.toThrow(
      'The two passphrases differ',
    );
  });

  it('encrypt, view and decrypt a whole file; encrypting twice is refused', async () => {
    const dir = await project('whole');
    const f = path.join(dir, 'inv', 'group_vars', 'all.vault.yaml');
    writeFileSync(f, 'db_password: "s3cret value"\n', { mode: 0o640 });
    await vaultEncrypt({ files: ['inv/group_vars/all.vault.yaml'], label: 'prod' }, io(dir));
    const text = readFileSync(f, 'utf8');
    expect(text.startsWith('$WPHA_VAULT;1;AES256GCM;scrypt;N=32768;r=8;p=1;')).toBe(true);
    expect(text).not.toContain('s3cret');
    expect(statSync(f).mode & 0o777).toBe(0o640);
    // The label's salt is shared with its check file.
    expect(parseEnvelope(text).header.salt).toEqual(parseEnvelope(readFileSync(path.join(dir, '.wpha-vault', 'prod.check'), 'utf8')).header.salt);
    await expect(vaultEncrypt({ files: [f], label: 'prod' }, io(dir))).rejects.toThrow('is already a vault file; nothing was changed');
    const v = io(dir);
    await vaultView({ file: f }, v);
    expect(v.output.join('')).toBe('db_password: "s3cret value"\n');
    const toStdout = io(dir);
    await vaultDecrypt({ files: [f], output: '-' }, toStdout);
    expect(toStdout.output.join('')).toBe('db_password: "s3cret value"\n');
    await expect(vaultView({ file: f }, io(dir, { env: {} }))).rejects.toThrow('no passphrase for vault label "prod"');
    await vaultDecrypt({ files: [f] }, io(dir));
    expect(readFileSync(f, 'utf8')).toBe('db_password: "s3cret value"\n');
  });

  it('view names the file when it was tampered with', async () => {
    const dir = await project('tampered');
    const f = path.join(dir, 'secret.txt');
    writeFileSync(f, 'hello');
    await vaultEncrypt({ files: [f], label: 'prod' }, io(dir));
    const [head, body] = readFileSync(f, 'utf8').split('\n');
    writeFileSync(f, `${head}\n${body!.slice(0, 30)}${body![30] === 'A' ? 'B' : 'A'}${body!.slice(31)}\n`);
    await expect(vaultView({ file: 'secret.txt' }, io(dir))).rejects.toThrow(
      'Cannot decrypt "secret.txt": the encrypted data (label "prod") was altered or damaged: authentication failed, nothing was decrypted',
    );
    await expect(vaultView({ file: 'missing.txt' }, io(dir))).rejects.toThrow('Cannot view "missing.txt": no such file');
  });

  it('encrypt-string reads standard input and prints a snippet that loads back', async () => {
    const dir = await project('string');
    const o = io(dir, { readStdin: async () => 'p@ss: "word"\n' });
    await vaultEncryptString({ name: 'db_password', label: 'prod' }, o);
    const snippet = o.output.join('');
    expect(snippet.startsWith('db_password: !vault |\n  $WPHA_VAULT;1;AES256GCM;scrypt;N=32768;')).toBe(true);
    const env = parse(snippet, { customTags: [{ tag: '!vault', resolve: (s: string) => s }] }).db_password as string;
    expect(decryptEnvelope(env, PASS, new KeyCache()).plaintext.toString()).toBe('p@ss: "word"');
    await expect(vaultEncryptString({ name: 'db-password' }, io(dir))).rejects.toThrow('Invalid --name "db-password"');
    await expect(vaultEncryptString({ label: 'prod' }, io(dir))).rejects.toThrow('Nothing to encrypt');
  });

  it('edit works on a private temp file that is gone afterwards, even when the editor fails', async () => {
    const dir = await project('edit');
    const f = path.join(dir, 'inv', 'group_vars', 'web.vault.yaml');
    const seen: { file: string; mode: number; dirMode: number; content: string }[] = [];
    const editor =
      (append: string, code = 0) =>
      async (_cmd: string, file: string) => {
        seen.push({ file, mode: statSync(file).mode & 0o777, dirMode: statSync(path.dirname(file)).mode & 0o777, content: readFileSync(file, 'utf8') });
        writeFileSync(file, readFileSync(file, 'utf8') + append);
        return code;
      };
    await vaultEdit({ file: f, label: 'prod' }, io(dir, { edit: { runEditor: editor('a: 1\n') } }));
    await vaultEdit({ file: f }, io(dir, { edit: { runEditor: editor('b: 2\n') } }));
    expect(seen.map((s) => [s.mode, s.dirMode, s.content])).toEqual([
      [0o600, 0o700, ''],
      [0o600, 0o700, 'a: 1\n'],
    ]);
    expect(path.basename(seen[0]!.file)).toBe('web.yaml');
    const v = io(dir);
    await vaultView({ file: f }, v);
    expect(v.output.join('')).toBe('a: 1\nb: 2\n');
    const before = readFileSync(f, 'utf8');
    await expect(vaultEdit({ file: f }, io(dir, { edit: { runEditor: editor('c: 3\n', 1) } }))).rejects.toThrow('exited with status 1; the vault file was not changed');
    expect(readFileSync(f, 'utf8')).toBe(before);
    for (const s of seen) expect(existsSync(path.dirname(s.file))).toBe(false);
    expect(seen).toHaveLength(3);
    const same = io(dir, { edit: { runEditor: async () => 0 } });
    await vaultEdit({ file: f }, same);
    expect(same.output.join('')).toBe(`${f}: no change\n`);
    expect(readFileSync(f, 'utf8')).toBe(before);
  });

  it('rekey takes the new passphrase from a file and reports what it changed', async () => {
    const dir = await project('rekey');
    const f = path.join(dir, 'inv', 'group_vars', 'db.yaml');
    const s = io(dir, { readStdin: async () => 'dbpw' });
    await vaultEncryptString({ name: 'db_password', label: 'prod' }, s);
    writeFileSync(f, `db_user: wp\n${s.output.join('')}`);
    const newFile = path.join(dir, 'new.pass');
    writeFileSync(newFile, 'the new passphrase!\n', { mode: 0o600 });
    const r = io(dir);
    await vaultRekey({ label: 'prod', newVaultPasswordFile: newFile }, r);
    expect(r.output.join('')).toBe('Rekeyed vault label "prod": 2 envelope(s) in 2 file(s)\n  .wpha-vault/prod.check\n  inv/group_vars/db.yaml\n');
    const v = io(dir, { env: { WPHA_VAULT_PASSWORD: 'the new passphrase!' }, readStdin: async () => 'x' });
    await vaultEncryptString({ label: 'prod' }, v); // verified against the rekeyed check file
    expect(v.output.join('')).toContain('!vault |');
    const none = io(dir, { env: { WPHA_VAULT_PASSWORD: 'lab passphrase 123', WPHA_VAULT_NEW_PASSWORD: 'another new one!' } });
    await vaultRekey({ label: 'lab' }, none);
    expect(none.output.join('')).toBe('No value or file of vault label "lab" under .; nothing was changed\n');
  });
});
