/**
 * Role variables declared `vault: true` accept only values that came from the vault (a `!vault`
 * value, a map of them, a vault file), plain text only in a lab inventory; `pattern` refuses a
 * value before any host is touched. (The refusals are in the bad-input catalogue, 31 and 32.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadForRun } from '../engine/load.js';
import { InputError } from '../errors.js';
import { encryptEnvelope, KeyCache, newHeader } from '../vault/cipher.js';
import { Passphrases } from '../vault/passphrase.js';
import { vaultSnippet } from '../vault/yaml-values.js';

const PASS = 'monitoring passphrase 0123';
const header = newHeader('prod', { N: 2 ** 14, r: 8, p: 1 });
const cache = new KeyCache();
const enc = (text: string) => encryptEnvelope(text, PASS, header, cache);
const root = mkdtempSync(path.join(tmpdir(), 'wpha-vault-only-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ROLE = `description: alerts
variables:
  bot_token: { type: string, vault: true, required: true, description: token }
  chat_ids: { type: map, vault: true, default: {}, description: chats }
`;

function inventory(name: string, files: Record<string, string>, lab = false): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'roles', 'alerts'), { recursive: true });
  mkdirSync(path.join(dir, 'group_vars'), { recursive: true });
  writeFileSync(path.join(dir, 'roles', 'alerts', 'role.yaml'), ROLE);
  writeFileSync(path.join(dir, 'inventory.yaml'), `${lab ? 'lab: true\n' : ''}hosts:\n  mon1: { address: 192.0.2.40 }\ngroups:\n  all: { roles: [alerts] }\n`);
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}

const load = (dir: string) => loadForRun({ inventory: dir, cwd: root, passphrases: new Passphrases({ env: { WPHA_VAULT_PASSWORD_PROD: PASS } }) });
async function issues(dir: string): Promise<string> {
  try {
    await load(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected the load to fail');
}

describe('vault: true', () => {
  it('accepts a !vault value and a map of !vault values, and marks them secret', async () => {
    const dir = inventory('tagged', {
      'group_vars/all.yaml': `${vaultSnippet(enc('123:token-from-vault'), 'bot_token')}chat_ids:\n  ops: !vault |\n    ${enc('-100200300').replaceAll('\n', '\n    ')}\n`,
    });
    const inv = await load(dir);
    expect(inv.hosts.get('mon1')!.vars.bot_token).toBe('123:token-from-vault');
    expect(inv.hosts.get('mon1')!.vars.chat_ids).toEqual({ ops: '-100200300' });
    expect([...inv.secretVars]).toEqual(expect.arrayContaining(['bot_token', 'chat_ids']));
  });

  it('accepts a whole vault file', async () => {
    const inv = await load(inventory('file', { 'group_vars/all.vault.yaml': enc('bot_token: "456:whole-file"\n') }));
    expect(inv.hosts.get('mon1')!.vars.bot_token).toBe('456:whole-file');
  });

  it('refuses a map holding one plain value, and -e plain text, naming where and never the value', async () => {
    const dir = inventory('mixed', {
      'group_vars/all.yaml': `${vaultSnippet(enc('789:ok'), 'bot_token')}chat_ids:\n  ops: !vault |\n    ${enc('-1').replaceAll('\n', '\n    ')}\n  dev: "-2-plain-chat"\n`,
    });
    const msg = await issues(dir);
    expect(msg).toMatch(/group_vars\/all\.yaml:\d+:1: chat_ids: Variable "chat_ids" of role "alerts" must come from the vault/);
    expect(msg).not.toContain('-2-plain-chat');
    let extra = '';
    try {
      await loadForRun({ inventory: dir, cwd: root, extraVars: ['bot_token=999:on-the-command-line', 'chat_ids={}'], passphrases: new Passphrases({ env: { WPHA_VAULT_PASSWORD_PROD: PASS } }) });
    } catch (e) {
      extra = (e as Error).message;
    }
    expect(extra).toContain('-e bot_token: Variable "bot_token" of role "alerts" must come from the vault');
    expect(extra).not.toContain('on-the-command-line');
  });

  it('takes plain text in a lab inventory (lab values protect nothing)', async () => {
    const inv = await load(inventory('lab', { 'group_vars/all.yaml': 'bot_token: "lab-token-not-secret"\n' }, true));
    expect(inv.hosts.get('mon1')!.vars.bot_token).toBe('lab-token-not-secret');
  });
});

describe('pattern in role.yaml', () => {
  it('must be a valid regular expression on a string variable', async () => {
    const dir = inventory('bad-spec', { 'group_vars/all.yaml': 'bot_token: ""\n' });
    writeFileSync(
      path.join(dir, 'roles', 'alerts', 'role.yaml'),
      `description: alerts
variables:
  bot_token: { type: string, pattern: "([0-9", description: token }
  port: { type: integer, default: 1, pattern: "[0-9]+", description: port }
  name: { type: string, default: x, pattern_description: "a name", description: name }
`,
    );
    const msg = await issues(dir);
    expect(msg).toMatch(/role\.yaml:3:\d+: variables\.bot_token\.pattern: Invalid regular expression "\(\[0-9": /);
    expect(msg).toMatch(/role\.yaml:4:\d+: variables\.port\.pattern: "pattern" applies to strings and lists of strings only, and this one is an integer/);
    expect(msg).toMatch(/role\.yaml:5:\d+: variables\.name\.pattern_description: "pattern_description" needs a "pattern"/);
  });
});
