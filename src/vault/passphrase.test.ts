import { describe, it, expect, afterAll } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkNewPassphrase, labelEnvName, parsePasswordFileArg, Passphrases } from './passphrase.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wpha-pass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string, mode = 0o600) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
};

describe('vault passphrase sources', () => {
  const prodFile = file('prod.pass', 'from prod file\n');
  const anyFile = file('any.pass', 'from generic file\r\nsecond line ignored\n');
  const envFile = file('env.pass', 'from env file');

  const table: [string, { files?: string[]; env?: Record<string, string> }, string, string | undefined][] = [
    ['label@file beats everything', { files: [anyFile, `prod@${prodFile}`], env: { WPHA_VAULT_PASSWORD_PROD: 'e', WPHA_VAULT_PASSWORD: 'g' } }, 'prod', 'from prod file'],
    ['label env beats generic file', { files: [anyFile], env: { WPHA_VAULT_PASSWORD_PROD: 'from label env' } }, 'prod', 'from label env'],
    ['generic file for other labels', { files: [anyFile, `prod@${prodFile}`] }, 'lab', 'from generic file'],
    ['WPHA_VAULT_PASSWORD_FILE', { env: { WPHA_VAULT_PASSWORD_FILE: envFile, WPHA_VAULT_PASSWORD: 'g' } }, 'lab', 'from env file'],
    ['WPHA_VAULT_PASSWORD last', { env: { WPHA_VAULT_PASSWORD: 'generic env' } }, 'lab', 'generic env'],
    ['dashes map to underscores', { env: { WPHA_VAULT_PASSWORD_EU_WEST: 'eu' } }, 'eu-west', 'eu'],
    ['nothing set', { env: {} }, 'prod', undefined],
  ];
  it.each(table)('%s', (_name, sources, label, expected) => {
    expect(new Passphrases({ files: sources.files ?? [], env: sources.env ?? {} }).lookup(label)).toBe(expected);
  });

  it('asks on the terminal only when nothing is set, once per label', async () => {
    const questions: string[] = [];
    const p = new Passphrases({ env: {}, prompt: async (q) => (questions.push(q), `typed for ${q.length}`) });
    const a = await p.get('prod');
    expect(await p.get('prod')).toBe(a);
    expect(questions).toEqual(['Vault passphrase for label "prod": ']);
  });

  it('without a terminal, names every source in the error', async () => {
    await expect(new Passphrases({ env: {} }).get('prod')).rejects.toThrow(
      'no passphrase for vault label "prod": set WPHA_VAULT_PASSWORD_PROD or WPHA_VAULT_PASSWORD, pass --vault-password-file prod@FILE, or run on a terminal to be asked',
    );
  });

  it('reports missing and empty files, and warns about files others can read', () => {
    expect(() => new Passphrases({ files: [path.join(dir, 'nope')], env: {} }).lookup('x')).toThrow(`Cannot read the vault passphrase file "${path.join(dir, 'nope')}" (label "x"): it does not exist`);
    const empty = file('empty.pass', '\n');
    expect(() => new Passphrases({ files: [empty], env: {} }).lookup('x')).toThrow(`The vault passphrase file "${empty}" is empty (label "x")`);
    const warnings: string[] = [];
    const open = file('open.pass', 'pw\n', 0o644);
    new Passphrases({ files: [open], env: {}, warn: (m) => warnings.push(m) }).lookup('x');
    expect(warnings).toEqual([`Vault passphrase file "${open}" can be read by other users: chmod 600 it`]);
  });

  it('parses LABEL@FILE and leaves other @ alone', () => {
    expect(parsePasswordFileArg('prod@/etc/pass')).toEqual({ label: 'prod', file: '/etc/pass' });
    expect(parsePasswordFileArg('/home/me@host/pass')).toEqual({ file: '/home/me@host/pass' });
    expect(parsePasswordFileArg('prod@')).toEqual({ file: 'prod@' });
    expect(labelEnvName('eu-west')).toBe('WPHA_VAULT_PASSWORD_EU_WEST');
  });

  it('requires new passphrases of at least 12 characters', () => {
    expect(checkNewPassphrase('short')).toBe('a vault passphrase must be at least 12 characters long');
    expect(checkNewPassphrase('twelve chars')).toBeUndefined();
  });
});
