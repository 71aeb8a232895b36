/**
 * The shipped roles' scenarios, as CI runs them: two lab test files that run in parallel, each
 * one `wpha test` whose shared scenarios converge together on the fewest hosts (the units
 * `wpha test --all` makes). Every role with a scenario is in exactly one list
 * (test/scenarios/shared.test.ts checks it).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runWpha } from '../helpers/wpha-cli.js';

export const CI_UNITS = {
  /** One host: the WordPress stack, its front, S3 and backups; MinIO and ProxySQL rendered. */
  shared: [
    'common',
    'php_fpm',
    'nginx',
    'mariadb',
    'redis',
    'wordpress',
    'cache_warmer',
    'haproxy',
    'keepalived',
    'sql_proxy',
    'swift_s3',
    'rclone',
    'rclone_sync',
    'backup_target',
    'backup',
    'minio',
    'proxysql',
  ],
  /** Three hosts for Galera, then one for monitoring. */
  data: ['galera', 'galera_arbitrator', 'zabbix_server', 'zabbix_agent', 'logging'],
} as const;

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export function rolesWithScenarios(): string[] {
  return readdirSync(path.join(root, 'roles'))
    .filter((r) => existsSync(path.join(root, 'roles', r, 'tests', 'default.yaml')))
    .sort();
}

/** `wpha test ROLES...`; asserts every scenario passed and returns the output for more checks. */
export async function passScenarios(roles: readonly string[], timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  const r = await runWpha(['test', ...roles], { timeoutMs });
  process.stderr.write(`[scenarios] ${roles.join(' ')}: ${((Date.now() - t0) / 1000).toFixed(0)} s\n${r.stdout}\n`);
  const failed = r.stdout.split('\n').filter((l) => /^\s+(FAIL|!)/.test(l));
  expect(failed).toEqual([]);
  for (const role of roles) expect(r.stdout).toContain(`PASS ${role}/default:`);
  expect(r.code).toBe(0);
  return r.stdout;
}
