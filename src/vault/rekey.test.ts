import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decryptEnvelope, encryptEnvelope, KeyCache, newHeader } from './cipher.js';
import { realFs, type CommitFs } from './commit.js';
import { parseEnvelope } from './envelope.js';
import { checkFilePath, headerForEncrypt, initLabel } from './labels.js';
import { rekey } from './rekey.js';
import { findVaultScalars, vaultSnippet } from './yaml-values.js';

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const OLD = 'old passphrase, long enough';
const NEW = 'new passphrase, also long';
const LAB = 'lab passphrase, untouched';
const root = mkdtempSync(path.join(tmpdir(), 'wpha-rekey-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project: prod label initialised, a whole vault file, a YAML file with prod and lab values, a plain file. */
function project(name: string) {
  const dir = path.join(root, name);
  const inv = path.join(dir, 'inventories', 'prod');
  mkdirSync(path.join(inv, 'group_vars'), { recursive: true });
  const cache = new KeyCache();
  initLabel(dir, 'prod', OLD, FAST, cache);
  const prod = headerForEncrypt(inv, 'prod', OLD, cache).header;
  const lab = newHeader('lab', FAST);
  const whole = path.join(inv, 'group_vars', 'all.vault.yaml');
  writeFileSync(whole, encryptEnvelope('db_password: hunter22\n', OLD, prod, cache), { mode: 0o600 });
  const values = path.join(inv, 'group_vars', 'web.yaml');
  writeFileSync(values, `# web\nsite: shop\n${vaultSnippet(encryptEnvelope('prod-key', OLD, prod, cache), 'api_key')}${vaultSnippet(encryptEnvelope('lab-key', LAB, lab, cache), 'lab_key')}`);
  const plain = path.join(inv, 'inventory.yaml');
  writeFileSync(plain, 'hosts: {}\n');
  return { dir, inv, whole, values, plain, check: checkFilePath(dir, 'prod'), cache };
}

const snapshot = (files: string[]) => files.map((f) => readFileSync(f, 'utf8'));

describe('vault rekey', () => {
  it('re-encrypts every envelope of the label (check file above the folder included) under one new salt', () => {
    const p = project('ok');
    const labBefore = findVaultScalars(readFileSync(p.values, 'utf8'))[1]!.value;
    const r = rekey({ root: p.inv, label: 'prod', oldPassphrase: OLD, newPassphrase: NEW, params: { ...FAST, N: 2 ** 15 }, cache: p.cache });
    expect(r.files.map((f) => path.relative(p.dir, f)).sort()).toEqual(['.wpha-vault/prod.check', 'inventories/prod/group_vars/all.vault.yaml', 'inventories/prod/group_vars/web.yaml']);
    expect(r.envelopes).toBe(3);
    const c = new KeyCache();
    expect(decryptEnvelope(readFileSync(p.whole, 'utf8'), NEW, c).plaintext.toString()).toBe('db_password: hunter22\n');
    const [api, lab] = findVaultScalars(readFileSync(p.values, 'utf8'));
    expect(decryptEnvelope(api!.value, NEW, c).plaintext.toString()).toBe('prod-key');
    expect(lab!.value).toBe(labBefore); // another label is left exactly as it was
    expect(readFileSync(p.values, 'utf8').startsWith('# web\nsite: shop\napi_key: !vault |\n')).toBe(true);
    const salts = new Set([p.whole, p.check].map((f) => parseEnvelope(readFileSync(f, 'utf8')).header.salt.toString('hex')));
    expect(salts.size).toBe(1);
    expect(parseEnvelope(readFileSync(p.check, 'utf8')).header.params.N).toBe(2 ** 15);
    expect(() => decryptEnvelope(readFileSync(p.whole, 'utf8'), OLD, c)).toThrow('wrong passphrase');
    // The check file now verifies the new passphrase.
    expect(headerForEncrypt(p.inv, 'prod', NEW, c).checkFile).toBe(p.check);
    expect(() => headerForEncrypt(p.inv, 'prod', OLD, c)).toThrow(`The passphrase is not the one vault label "prod" was initialised with (checked against ${p.check})`);
  });

  it('changes nothing when one envelope cannot be decrypted, and names it', () => {
    const p = project('bad-envelope');
    const damaged = readFileSync(p.values, 'utf8').replace(/(api_key: !vault \|\n {2}\$WPHA[^\n]*\n {2})(.)/, (_m, a: string, ch: string) => a + (ch === 'A' ? 'B' : 'A'));
    writeFileSync(p.values, damaged);
    const before = snapshot([p.whole, p.values, p.check]);
    expect(() => rekey({ root: p.inv, label: 'prod', oldPassphrase: OLD, newPassphrase: NEW, cache: p.cache })).toThrow(
      /^Cannot rekey vault label "prod"; no file was changed:\n {2}group_vars\/web\.yaml:3: (wrong passphrase|the encrypted data)/,
    );
    expect(snapshot([p.whole, p.values, p.check])).toEqual(before);
  });

  it('changes nothing with a wrong old passphrase', () => {
    const p = project('wrong-old');
    const before = snapshot([p.whole, p.values, p.check]);
    expect(() => rekey({ root: p.inv, label: 'prod', oldPassphrase: 'not it at all', newPassphrase: NEW, cache: p.cache })).toThrow('wrong passphrase for vault label "prod"');
    expect(snapshot([p.whole, p.values, p.check])).toEqual(before);
  });

  it('changes nothing when the write fails mid-way (simulated failure of the second rename)', () => {
    const p = project('mid-way');
    const before = snapshot([p.whole, p.values, p.check]);
    let renames = 0;
    const fs: CommitFs = {
      ...realFs,
      rename: (a, b) => {
        if (++renames === 2) throw new Error('EIO: simulated');
        realFs.rename(a, b);
      },
    };
    expect(() => rekey({ root: p.inv, label: 'prod', oldPassphrase: OLD, newPassphrase: NEW, cache: p.cache, fs })).toThrow('EIO: simulated');
    expect(snapshot([p.whole, p.values, p.check])).toEqual(before);
    expect(readdirSync(path.join(p.inv, 'group_vars')).sort()).toEqual(['all.vault.yaml', 'web.yaml']);
    // And the old passphrase still opens everything.
    expect(decryptEnvelope(readFileSync(p.whole, 'utf8'), OLD, new KeyCache()).plaintext.toString()).toBe('db_password: hunter22\n');
  });
});
