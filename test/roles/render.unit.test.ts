/**
 * The shipped roles rendered for every host of the shipped inventories (lab, prod-example) with
 * recorded facts, without touching a host: every task expands (args valid, templates render),
 * and the computed parts of the configs are what the variables and facts say.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import type { Inventory } from '../../src/model.js';
import type { Facts } from '../../src/ops/facts.js';
import { loadForRun } from '../../src/engine/load.js';
import { expandHost, recordedFacts, stepContent } from '../../src/engine/testing/expand-host.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function facts(hostname: string, memoryMb: number, virtualization: string): Facts {
  return recordedFacts({ hostname, memory_mb: memoryMb, virtualization });
}

const content = stepContent;

describe('shipped roles on the lab inventory', () => {
  let inv: Inventory;
  beforeAll(async () => {
    inv = await loadForRun({ inventory: 'lab', cwd: root });
  });

  it('expand on every host, with time sync skipped in containers', () => {
    for (const host of inv.hosts.keys()) {
      const { steps, skipped } = expandHost(inv, host, facts(host, 24105, 'systemd-nspawn'));
      expect(steps.length).toBeGreaterThan(10);
      expect(skipped).toContain('common/time sync running');
    }
  });

  it('open each host only to what its roles declare', () => {
    const fw = (host: string) => content(expandHost(inv, host, facts(host, 24105, 'systemd-nspawn')).steps, '/etc/nftables.conf');
    const cluster = '127.0.0.1, 172.31.250.11, 172.31.250.12, 172.31.250.21, 172.31.250.22, 172.31.250.31, 172.31.250.32,  }';
    const rules = (text: string) =>
      text
        .split('\n')
        .filter((l) => /dport/.test(l))
        .map((l) => l.trim());
    // Every host's Zabbix agent answers the cluster (it accepts only the server, with the PSK).
    const agent = [`ip saddr { ${cluster} tcp dport 10050 accept`, 'ip6 saddr { ::1,  } tcp dport 10050 accept'];
    // The front tier is the only one open to the world (HTTP, from the haproxy role).
    expect(rules(fw('front1'))).toEqual(['tcp dport 22 accept', 'tcp dport 80 accept', ...agent]);
    expect(rules(fw('web1'))).toEqual(['tcp dport 22 accept', `ip saddr { ${cluster} tcp dport 80 accept`, 'ip6 saddr { ::1,  } tcp dport 80 accept', ...agent]);
    // db1 is also the Zabbix server (trapper 10051; its frontend stays on 127.0.0.1) and the log host (RELP 2514).
    expect(rules(fw('db1'))).toEqual([
      'tcp dport 22 accept',
      `ip saddr { ${cluster} tcp dport 3306 accept`,
      'ip6 saddr { ::1,  } tcp dport 3306 accept',
      // The replication group's copy stream for new replicas, and the SQL proxy (db_ha).
      `ip saddr { ${cluster} tcp dport 4445 accept`,
      'ip6 saddr { ::1,  } tcp dport 4445 accept',
      `ip saddr { ${cluster} tcp dport 3307 accept`,
      'ip6 saddr { ::1,  } tcp dport 3307 accept',
      `ip saddr { ${cluster} tcp dport 6379 accept`,
      'ip6 saddr { ::1,  } tcp dport 6379 accept',
      `ip saddr { ${cluster} tcp dport 10051 accept`,
      'ip6 saddr { ::1,  } tcp dport 10051 accept',
      ...agent,
      `ip saddr { ${cluster} tcp dport 2514 accept`,
      'ip6 saddr { ::1,  } tcp dport 2514 accept',
    ]);
  });

  it('keep SSH open on another port when told so', async () => {
    const moved = await loadForRun({ inventory: 'lab', cwd: root, extraVars: ['common_ssh_port=2222'] });
    const text = content(expandHost(moved, 'front1', facts('front1', 1024, 'kvm')).steps, '/etc/nftables.conf');
    expect(
      text
        .split('\n')
        .filter((l) => /dport/.test(l))
        .map((l) => l.trim())
        .slice(0, 2),
    ).toEqual(['tcp dport 2222 accept', 'tcp dport 80 accept']);
  });

  it('point WordPress at the database VIP and the redis group, with secrets as literal strings', () => {
    const config = content(expandHost(inv, 'web1', facts('web1', 24105, 'systemd-nspawn')).steps, '/etc/wordpress/config-shop.php');
    expect(config).toContain("define('DB_HOST', '172.31.250.30:3307');");
    expect(config).toContain("define('WP_REDIS_HOST', '172.31.250.31');");
    expect(config).toContain("define('DB_PASSWORD', <<<'WPHA_VALUE_END'\nlab-db-pass-not-secret\nWPHA_VALUE_END);");
    expect(config).toContain("define('WP_HTTP_BLOCK_EXTERNAL', true);");
    expect(config).toContain("define('DISALLOW_FILE_EDIT', true);");
  });

  it('grant the site user from every web node and SQL proxy only', () => {
    const sql = content(expandHost(inv, 'db1', facts('db1', 24105, 'systemd-nspawn')).steps, '/etc/mysql/wpha/wordpress.sql');
    const privileges =
      'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, CREATE TEMPORARY TABLES, LOCK TABLES, REFERENCES, CREATE VIEW, SHOW VIEW, TRIGGER, CREATE ROUTINE, ALTER ROUTINE, EXECUTE, EVENT';
    const clients = ['172.31.250.21', '172.31.250.22', '172.31.250.31', '172.31.250.32'];
    expect(sql.match(/^GRANT .*$/gm)).toEqual([
      ...clients.map((c) => `GRANT ${privileges} ON \`wp_shop\`.* TO 'wp_shop'@'${c}';`),
      // The replicas' user, from each member of the group.
      "GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO 'wpha_repl'@'172.31.250.31';",
      "GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO 'wpha_repl'@'172.31.250.32';",
    ]);
    expect(sql.match(/^REVOKE .*$/gm)).toEqual(clients.map((c) => `REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'wp_shop'@'${c}';`));
    expect(sql).toContain("ALTER USER 'wp_shop'@'172.31.250.21' IDENTIFIED BY \"lab-db-pass-not-secret\";");
    expect(sql).toContain("ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket;");
  });

  it('allow purges from cluster addresses only', () => {
    const site = content(expandHost(inv, 'web2', facts('web2', 24105, 'systemd-nspawn')).steps, '/etc/nginx/sites-enabled/shop.conf');
    const purge = site.slice(site.indexOf('location ~ ^/purge'), site.indexOf('}', site.indexOf('location ~ ^/purge')));
    expect(purge.match(/allow [^;]+/g)).toEqual([
      'allow 127.0.0.1',
      'allow 172.31.250.11',
      'allow 172.31.250.12',
      'allow 172.31.250.21',
      'allow 172.31.250.22',
      'allow 172.31.250.31',
      'allow 172.31.250.32',
    ]);
    expect(purge).toContain('deny all;');
    expect(site).toContain('listen 80 default_server;');
  });
});

describe('shipped roles on the prod-example inventory', () => {
  let inv: Inventory;
  beforeAll(async () => {
    inv = await loadForRun({ inventory: 'prod-example', cwd: root });
  });

  it.each([
    [2048, 19],
    [8192, 64],
    [1024, 9],
    [256, 2],
  ])('size the PHP-FPM pool from %i MB of memory: %i workers', (memoryMb, workers) => {
    const pool = content(expandHost(inv, 'web1', facts('web1', memoryMb, 'kvm')).steps, '/etc/php/8.2/fpm/pool.d/shop.conf');
    expect(pool).toContain(`pm.max_children = ${workers}\n`);
    expect(pool).toContain(`pm.max_spare_servers = ${Math.max(2, Math.floor(workers / 2))}\n`);
  });

  it.each([
    [32768, 16384],
    [65536, 24576],
    [128, 128],
  ])('size the InnoDB buffer pool from %i MB of memory: %i MB', (memoryMb, pool) => {
    const cnf = content(expandHost(inv, 'db1', facts('db1', memoryMb, 'kvm')).steps, '/etc/mysql/mariadb.conf.d/60-wpha.cnf');
    expect(cnf).toContain(`innodb_buffer_pool_size = ${pool}M\n`);
    expect(cnf).toContain('bind_address = 10.20.0.31\n');
  });

  it('run time sync on virtual machines and limit SSH to the private network', () => {
    const { steps, skipped } = expandHost(inv, 'front1', facts('front1', 4096, 'kvm'));
    expect(skipped).not.toContain('common/time sync running');
    expect(content(steps, '/etc/nftables.conf')).toContain('ip saddr { 127.0.0.1, 10.20.0.0/24,  } tcp dport 22 accept');
  });

  it('build https links for the site and its alias', () => {
    const { steps } = expandHost(inv, 'web1', facts('web1', 8192, 'kvm'));
    expect(content(steps, '/etc/wordpress/config-shop.php')).toContain("define('WP_HOME', 'https://shop.example.com');");
    expect(content(steps, '/etc/nginx/sites-enabled/shop.conf')).toContain('server_name shop.example.com www.shop.example.com;');
  });
});
