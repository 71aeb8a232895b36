/**
 * The monitoring bench's inventory: two lab hosts, "mon" (MariaDB, Zabbix server, its agent) and
 * "web" (PHP-FPM, nginx, its agent); the secrets the monitoring roles want from the vault in a
 * vault file opened with BENCH_VAULT_PASSWORD. Items every `interval` (the lab test's 5 s).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { projectRoot } from '../paths.js';
import { encryptEnvelope, KeyCache, newHeader } from '../vault/cipher.js';
import type { LabSsh } from './web-tier-files.js';

export const BENCH_VAULT_PASSWORD = 'monitoring-bench-vault-passphrase';
export const RECEIVER_PORT = 8099;

export interface MonitoringHosts {
  mon: { name: string; address: string };
  web: { name: string; address: string };
}

const labVars = (f: string) => parse(readFileSync(path.join(projectRoot(), 'inventories/lab/group_vars', f), 'utf8')) as Record<string, unknown>;

/** Writes inventory.yaml and group_vars/all.vault.yaml into `dir`. */
export function writeBenchInventory(dir: string, hosts: MonitoringHosts, ssh: LabSsh, interval: string): void {
  const { mon, web } = hosts;
  const doc = {
    defaults: { user: 'root', ssh: { key: ssh.key, known_hosts: ssh.knownHosts } },
    hosts: { [mon.name]: { address: mon.address }, [web.name]: { address: web.address } },
    groups: {
      all: { roles: ['common'] },
      db: { hosts: [mon.name], roles: ['mariadb', 'zabbix_server'] },
      web: { hosts: [web.name], roles: ['php_fpm', 'nginx'] },
      monitored: { hosts: [mon.name, web.name], roles: ['zabbix_agent'] },
    },
    vars: {
      ...labVars('all.yaml'),
      ...labVars('web.yaml'),
      ...labVars('db.yaml'),
      lab_etc_hosts: {},
      zabbix_agent_psk: undefined,
      zabbix_server_admin_password: undefined,
      zabbix_agent_server: mon.address,
      zabbix_server_item_interval: interval,
      zabbix_server_telegram_api_url: `http://127.0.0.1:${RECEIVER_PORT}`,
      zabbix_server_settings: {
        StartPollers: 2,
        StartPollersUnreachable: 1,
        StartTrappers: 3,
        StartPreprocessors: 2,
        StartHistoryPollers: 1,
        StartDBSyncers: 2,
        StartAlerters: 1,
        StartLLDProcessors: 1,
        StartODBCPollers: 0,
        StartHTTPPollers: 0,
        StartDiscoverers: 0,
      },
    },
  };
  mkdirSync(path.join(dir, 'group_vars'), { recursive: true });
  writeFileSync(path.join(dir, 'inventory.yaml'), stringify(JSON.parse(JSON.stringify(doc))));
  const secrets = {
    zabbix_agent_psk: randomBytes(32).toString('hex'),
    zabbix_server_admin_password: `Bench-${randomBytes(6).toString('hex')}-pass`,
    zabbix_server_telegram_token: `${randomBytes(4).readUInt32BE()}:${randomBytes(16).toString('hex')}`,
    zabbix_server_telegram_chat_id: '-1001234567',
  };
  const body = Object.entries(secrets)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
    .join('');
  writeFileSync(path.join(dir, 'group_vars', 'all.vault.yaml'), encryptEnvelope(body, BENCH_VAULT_PASSWORD, newHeader('bench', { N: 2 ** 14, r: 8, p: 1 }), new KeyCache()));
}
