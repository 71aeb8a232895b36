/**
 * Bad monitoring input is refused while the inventory loads, before any host is contacted, with
 * the file and line: a pre-shared key that is not 32+ hex digits, no Zabbix server address, a
 * Telegram token in plain text where the role wants a vault value (the shipped roles). The PSK
 * and the Admin password are secret (masked) like the stack's other passwords; the Telegram
 * token and chat id are accepted from the vault only.
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

const PASS = 'monitoring inputs passphrase';
const header = newHeader('prod', { N: 2 ** 14, r: 8, p: 1 });
const cache = new KeyCache();
const vault = (name: string, value: string) => vaultSnippet(encryptEnvelope(value, PASS, header, cache), name);
const root = mkdtempSync(path.join(tmpdir(), 'wpha-monitoring-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SITE = 'wordpress_sites: []\nwordpress_db_passwords: {}\n';

function inventory(name: string, monVars: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'group_vars'), { recursive: true });
  writeFileSync(
    path.join(dir, 'inventory.yaml'),
    'hosts:\n  mon1: { address: 192.0.2.41 }\n  web1: { address: 192.0.2.21 }\ngroups:\n  monitoring: { hosts: [mon1], roles: [zabbix_server] }\n  monitored: { hosts: [mon1, web1], roles: [zabbix_agent] }\n',
  );
  writeFileSync(path.join(dir, 'group_vars', 'all.yaml'), SITE + vault('zabbix_server_admin_password', 'A-long-random-pass-42'));
  writeFileSync(path.join(dir, 'group_vars', 'monitored.yaml'), monVars);
  return dir;
}

async function issues(dir: string): Promise<string[]> {
  try {
    await loadForRun({ inventory: dir, cwd: root, passphrases: new Passphrases({ env: { WPHA_VAULT_PASSWORD_PROD: PASS } }) });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).issues.map((i) => `${i.location ? `${path.basename(i.location.file)}:${i.location.line}` : '?'}: ${i.message}`);
  }
  return [];
}

describe('monitoring roles refuse bad input at load', () => {
  const good = vault('zabbix_agent_psk', 'ab'.repeat(32));

  it('takes a hex PSK from the vault and a server address', async () => {
    expect(await issues(inventory('ok', `zabbix_agent_server: 192.0.2.41\n${good}`))).toEqual([]);
  });

  it('refuses a PSK that is not 32 or more hex digits, without printing it', async () => {
    for (const [name, psk] of [
      ['short', 'abcdef0123456789'],
      ['not-hex', 'z'.repeat(64)],
      ['odd', 'a'.repeat(33)],
    ]) {
      const found = await issues(inventory(`psk-${name}`, `zabbix_agent_server: 192.0.2.41\n${vault('zabbix_agent_psk', psk!)}`));
      expect(found.length, name).toBeGreaterThan(0);
      for (const line of found) {
        expect(line).toMatch(/^monitored\.yaml:2: Variable "zabbix_agent_psk" of role "zabbix_(agent|server)": expected 32 to 512 hex digits/);
        expect(line).not.toContain(psk!);
      }
    }
  });

  it('refuses a missing Zabbix server address, naming the host', async () => {
    const found = await issues(inventory('no-server', good));
    expect(found).toEqual([
      'inventory.yaml:2: Missing required variable "zabbix_agent_server" of role "zabbix_agent" for host "mon1"',
      'inventory.yaml:3: Missing required variable "zabbix_agent_server" of role "zabbix_agent" for host "web1"',
    ]);
  });

  it('refuses a Telegram token and chat id in plain text where the role wants vault values', async () => {
    const dir = inventory('plain', 'zabbix_agent_server: 192.0.2.41\nzabbix_agent_psk: ' + 'ab'.repeat(32) + '\n');
    writeFileSync(
      path.join(dir, 'group_vars', 'all.yaml'),
      `${SITE}${vault('zabbix_server_admin_password', 'A-long-random-pass-42')}zabbix_server_telegram_token: "123456:AAplain-token"\nzabbix_server_telegram_chat_id: !secret "-100"\n`,
    );
    const found = await issues(dir);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^all\.yaml:\d+: Variable "zabbix_server_telegram_token" of role "zabbix_server" must come from the vault/),
        expect.stringMatching(/^all\.yaml:\d+: Variable "zabbix_server_telegram_chat_id" of role "zabbix_server" must come from the vault/),
      ]),
    );
    expect(found).toHaveLength(2);
    expect(found.join('\n')).not.toContain('AAplain-token');
  });
});
