/**
 * The monitoring tests' lab: two fresh hosts. "mon" is the database primary (MariaDB, Redis) and
 * the Zabbix server, the central log host, a HAProxy in front of the web node and the first
 * keepalived peer; "web" is a web node (PHP-FPM, nginx, WordPress, cache warmer), the MariaDB
 * replica of "mon" (the mariadb role's replication group, TLS from a CA made here) and the
 * second keepalived peer (no HAProxy there: its track checks are off). Both run zabbix_agent and
 * logging, declared last so that they see what the other roles set up. The secrets (PSK, Admin
 * password, Telegram token and chat id, the CA key, the replication password) are in a vault
 * file (group_vars/all.vault.yaml) opened with WPHA_VAULT_PASSWORD.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parse } from 'yaml';
import type { LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { makeTestCa } from '../../src/db/testing/test-ca.js';
import { encryptEnvelope, KeyCache, newHeader } from '../../src/vault/cipher.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labVars = (f: string) => parse(readFileSync(path.join(root, 'inventories/lab/group_vars', f), 'utf8')) as Record<string, unknown>;
/** The lab inventory's variables without its plain lab secrets of the monitoring roles (this inventory gives them from the vault). */
function labVarsWithoutMonitoringSecrets(): Record<string, unknown> {
  const vars = { ...labVars('all.yaml'), ...labVars('web.yaml'), ...labVars('db.yaml'), ...labVars('redis.yaml') };
  delete vars.zabbix_agent_psk;
  delete vars.zabbix_server_admin_password;
  return vars;
}

export const VAULT_PASSWORD = 'monitoring-test-vault-passphrase';
export const RECEIVER_PORT = 8099;
export const RECEIVER_LOG = '/root/telegram.jsonl';

export interface MonitoringLab {
  inv: string;
  mon: { name: string; address: string };
  web: { name: string; address: string };
  vip: string;
  psk: string;
  psk_identity: string;
  telegramToken: string;
}

export function writeMonitoringInventory(lab: LabHosts): MonitoringLab {
  const [mon, web] = [lab.hosts[0]!, lab.hosts[1]!];
  const vip = lab.reserveAddress();
  const ca = makeTestCa('wpha monitoring test CA');
  const inv = writeLabInventory(lab, {
    groups: {
      // A replication group: mon starts as the primary, web is its replica.
      db: { hosts: [0, 1], roles: ['mariadb'], vars: { mariadb_replication_group: 'db' } },
      monitoring: { hosts: [0], roles: ['zabbix_server'] },
      redis: { hosts: [0], roles: ['redis'] },
      lb: { hosts: [0], roles: ['haproxy'] },
      front: { hosts: [0, 1], roles: ['keepalived'] },
      web: { hosts: [1], roles: ['php_fpm', 'nginx', 'wordpress', 'cache_warmer'] },
      monitored: { hosts: [0, 1], roles: ['zabbix_agent', 'logging'] },
    },
    hostVars: { [web.name]: { keepalived_track_process: '', keepalived_track_url: '' } },
    vars: {
      ...labVarsWithoutMonitoringSecrets(),
      lab_etc_hosts: {},
      keepalived_vips: [`${vip}/24`],
      keepalived_router_id: Number(vip.split('.')[3]),
      keepalived_interface: 'host0',
      keepalived_auth_pass: 'lab-vrrp',
      common_firewall_extra_rules: [`ip saddr { ${mon.address}, ${web.address} } ip protocol vrrp accept`],
      zabbix_agent_server: mon.address,
      // Faster than production (1m): the lab measures fault-to-alert with 5 s items.
      zabbix_server_item_interval: '5s',
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
        StartEscalators: 1,
      },
      logging_server: mon.address,
      mariadb_tls_ca_cert: ca.cert,
    },
  }).dir;
  const psk = randomBytes(32).toString('hex');
  const telegramToken = `${randomBytes(4).readUInt32BE()}:${randomBytes(16).toString('hex')}`;
  const secrets = {
    mariadb_tls_ca_key: ca.key,
    mariadb_replication_password: `repl-${randomBytes(9).toString('hex')}`,
    zabbix_agent_psk: psk,
    zabbix_server_admin_password: `Lab-${randomBytes(6).toString('hex')}-pass`,
    zabbix_server_telegram_token: telegramToken,
    zabbix_server_telegram_chat_id: '-1001234567',
  };
  const body = Object.entries(secrets)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
    .join('');
  mkdirSync(path.join(inv, 'group_vars'), { recursive: true });
  writeFileSync(path.join(inv, 'group_vars', 'all.vault.yaml'), encryptEnvelope(body, VAULT_PASSWORD, newHeader('monitoring', { N: 2 ** 14, r: 8, p: 1 }), new KeyCache()));
  return { inv, mon, web, vip, psk, psk_identity: 'wpha', telegramToken };
}
