import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadForRun, secretsRedactor } from '../engine/load.js';
import { InputError } from '../errors.js';
import { encryptEnvelope, KeyCache, newHeader } from './cipher.js';
import { Passphrases } from './passphrase.js';
import { vaultSnippet } from './yaml-values.js';

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const PROD = 'prod passphrase 0123';
const LAB = 'lab passphrase 4567';
const root = mkdtempSync(path.join(tmpdir(), 'wpha-vault-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cache = new KeyCache();
const prodHeader = newHeader('prod', FAST);
const labHeader = newHeader('lab', FAST);
const enc = (text: string, label: 'prod' | 'lab' = 'prod') => encryptEnvelope(text, label === 'prod' ? PROD : LAB, label === 'prod' ? prodHeader : labHeader, cache);

/** An inventory with a whole vault file for group all, a !vault value (prod) and one of another label (lab). */
function inventory(name: string, extra: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'group_vars'), { recursive: true });
  mkdirSync(path.join(dir, 'host_vars'), { recursive: true });
  writeFileSync(path.join(dir, 'inventory.yaml'), 'hosts:\n  web1: { address: 192.0.2.10 }\n  web2: { address: 192.0.2.11 }\ngroups:\n  web: { hosts: [web1, web2] }\n');
  writeFileSync(path.join(dir, 'group_vars', 'all.yaml'), 'site: shop\n');
  writeFileSync(path.join(dir, 'group_vars', 'all.vault.yaml'), enc('db_password: "whole-file-secret-1"\nsalts: { auth: "nested-secret-2" }\n'));
  writeFileSync(path.join(dir, 'group_vars', 'web.yaml'), `plain: visible\n${vaultSnippet(enc('api-key-secret-3'), 'api_key')}`);
  writeFileSync(path.join(dir, 'host_vars', 'web2.yaml'), vaultSnippet(enc('lab-label-secret-4', 'lab'), 'smtp_password'));
  for (const [f, text] of Object.entries(extra)) writeFileSync(path.join(dir, f), text);
  return dir;
}

async function loadError(dir: string, passphrases: Passphrases): Promise<string> {
  try {
    await loadForRun({ inventory: dir, cwd: root, passphrases });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected the load to fail');
}

describe('vault values and files while loading an inventory', () => {
  const both = () => new Passphrases({ env: { WPHA_VAULT_PASSWORD_PROD: PROD, WPHA_VAULT_PASSWORD_LAB: LAB } });

  it('decrypts whole files and values, marks their vars secret and masks every plaintext', async () => {
    const inv = await loadForRun({ inventory: inventory('ok'), cwd: root, passphrases: both() });
    const web1 = inv.hosts.get('web1')!.vars;
    expect(web1.db_password).toBe('whole-file-secret-1');
    expect(web1.salts).toEqual({ auth: 'nested-secret-2' });
    expect(web1.api_key).toBe('api-key-secret-3');
    expect(web1.site).toBe('shop');
    expect(inv.hosts.get('web2')!.vars.smtp_password).toBe('lab-label-secret-4');
    expect([...inv.secretVars].sort()).toEqual(['api_key', 'db_password', 'salts', 'smtp_password']);
    expect(inv.secretValues!.sort()).toEqual(['api-key-secret-3', 'lab-label-secret-4']);
    const r = secretsRedactor(inv);
    expect(r.redact('a whole-file-secret-1 b nested-secret-2 c api-key-secret-3 d lab-label-secret-4 e visible shop')).toBe('a *** b *** c *** d *** e visible shop');
  });

  it('names the file and the label when a passphrase is missing, for every label at once', async () => {
    const dir = inventory('missing');
    const msg = await loadError(dir, new Passphrases({ env: {} }));
    expect(msg).toContain('group_vars/all.vault.yaml:1:1: (document): Cannot decrypt this vault file: no passphrase for vault label "prod"');
    expect(msg).toContain('group_vars/web.yaml:2:17: api_key: Cannot decrypt a "!vault" value: no passphrase for vault label "prod"');
    expect(msg).toContain('host_vars/web2.yaml:1:23: smtp_password: Cannot decrypt a "!vault" value: no passphrase for vault label "lab"');
  });

  it('says "wrong passphrase" with the location, and never shows a plaintext', async () => {
    const msg = await loadError(inventory('wrong'), new Passphrases({ env: { WPHA_VAULT_PASSWORD_PROD: 'nope nope nope', WPHA_VAULT_PASSWORD_LAB: LAB } }));
    expect(msg).toContain('group_vars/web.yaml:2:17: api_key: Cannot decrypt a "!vault" value: wrong passphrase for vault label "prod" (or the envelope header was altered)');
    expect(msg).not.toMatch(/secret-\d/);
  });

  it('asks for missing labels on the terminal, then loads', async () => {
    const asked: string[] = [];
    const p = new Passphrases({ env: { WPHA_VAULT_PASSWORD_LAB: LAB }, prompt: async (q) => (asked.push(q), PROD) });
    const inv = await loadForRun({ inventory: inventory('prompt'), cwd: root, passphrases: p });
    expect(asked).toEqual(['Vault passphrase for label "prod": ']);
    expect(inv.hosts.get('web1')!.vars.api_key).toBe('api-key-secret-3');
  });

  it('refuses a var set in both the plain and the vault file of a group', async () => {
    const dir = inventory('clash');
    writeFileSync(path.join(dir, 'group_vars', 'all.yaml'), 'db_password: plain\n');
    const msg = await loadError(dir, both());
    expect(msg).toContain('db_password: Variable "db_password" is also set at');
    expect(msg).not.toContain('whole-file-secret-1');
  });
});
