/**
 * `wpha inventory show|check` open vault values as `apply` does (they used to stop at the first
 * `!vault` value), never print a plaintext, and refuse a tampered or unreadable vault value with
 * its file:line:col, as every other broken input.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, formatIssue } from '../../errors.js';
import { encryptEnvelope, KeyCache, newHeader } from '../../vault/cipher.js';
import { Passphrases } from '../../vault/passphrase.js';
import { vaultSnippet } from '../../vault/yaml-values.js';
import { buildInventory, removeInventory } from '../../../test/hostile/fixture.js';
import { inventoryCheck, inventoryShow } from './inventory.js';

const PASS = 'correct horse battery staple';
const SECRET = 'db-pass-7f3a9c';
const header = newHeader('prod', { N: 2 ** 14, r: 8, p: 1 });
const envelope = encryptEnvelope(SECRET, PASS, header, new KeyCache());
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeInventory));

function inventoryWith(groupVars: string): string {
  const dir = buildInventory({ 'group_vars/web.yaml': groupVars });
  dirs.push(dir);
  return dir;
}

const withPass = () => new Passphrases({ env: { WPHA_VAULT_PASSWORD_PROD: PASS } });
const noPass = () => new Passphrases({ env: {} });

describe('wpha inventory with vault values', () => {
  it('show decrypts, masks the value everywhere, and check accepts it', async () => {
    const dir = inventoryWith(`${vaultSnippet(envelope, 'db_password')}dsn: "mysql://shop:${SECRET}@db1/shop"\n`);
    const text = await inventoryShow({ inventory: dir, cwd: dir, passphrases: withPass() });
    expect(text).toContain('    db_password: ***\n');
    expect(text).toContain('    dsn: "mysql://shop:***@db1/shop"\n');
    expect(text).not.toContain(SECRET);
    const json = await inventoryShow({ inventory: dir, cwd: dir, passphrases: withPass(), json: true });
    expect(json).not.toContain(SECRET);
    expect(await inventoryCheck({ inventory: dir, cwd: dir, passphrases: withPass() })).toMatch(/^Inventory "wpha-hostile-\w+" is valid: 1 hosts?, 1 groups?, 1 roles?\n$/);
  });

  it('without a passphrase: a located error naming the label, not a crash or an empty value', async () => {
    const dir = inventoryWith(vaultSnippet(envelope, 'db_password'));
    const err = await inventoryCheck({ inventory: dir, cwd: dir, passphrases: noPass() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^group_vars\/web\.yaml:1:\d+: db_password: Cannot decrypt a "!vault" value: no passphrase for vault label "prod": /),
    ]);
  });

  it('a tampered value: refused with its location, nothing decrypted', async () => {
    // Flip one bit of the last byte (the authentication tag), keeping the header and key check.
    const [headerLine, ...body] = envelope.trimEnd().split('\n');
    const bytes = Buffer.from(body.join(''), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    const tampered = `${headerLine}\n${bytes.toString('base64').replace(/.{1,76}/g, '$&\n')}`;
    const dir = inventoryWith(vaultSnippet(tampered, 'db_password'));
    const err = await inventoryShow({ inventory: dir, cwd: dir, passphrases: withPass() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^group_vars\/web\.yaml:1:\d+: db_password: Cannot decrypt a "!vault" value: the encrypted data \(label "prod"\) was altered or damaged: authentication failed, nothing was decrypted$/,
      ),
    ]);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('check also refuses what apply would: a template that reaches outside its role', async () => {
    const dir = buildInventory({ 'roles/app/templates/app.conf.hbs': '{{> ../../../../etc/passwd}}\n' });
    dirs.push(dir);
    const err = await inventoryCheck({ inventory: dir, cwd: dir, passphrases: noPass() }).catch((e: unknown) => e);
    expect((err as InputError).issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^roles\/app\/templates\/app\.conf\.hbs:1:1: \(document\): Partial "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is not allowed/),
    ]);
  });
});
