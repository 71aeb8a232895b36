/**
 * The shipped roles' scenarios without a host: every role has one, every file is valid, and the
 * inventory each run unit makes (shared scenarios joined as `wpha test --all` joins them) loads
 * with the roles' own checks. Render scenarios (software the lab cannot run) run here whole.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';
import { collectScenarios } from './run.js';
import { runRenderUnit } from './render.js';
import { validateLabUnit } from './run-lab.js';
import { planUnits } from './units.js';

const root = projectRoot();
const roles = readdirSync(path.join(root, 'roles'))
  .filter((r) => existsSync(path.join(root, 'roles', r, 'role.yaml')))
  .sort();

describe('shipped scenarios', () => {
  it('every shipped role has a default scenario', () => {
    expect(roles.filter((r) => !existsSync(path.join(root, 'roles', r, 'tests', 'default.yaml')))).toEqual([]);
  });

  it("load, and the inventories their run units make pass the loader and the roles' checks", async () => {
    const scenarios = await collectScenarios({ roles: [], all: true, scenario: 'default', cwd: root });
    expect(scenarios.map((s) => s.role).sort()).toEqual(roles);
    const units = planUnits(scenarios);
    for (const u of units.filter((x) => x.kind === 'lab')) {
      const inv = await validateLabUnit(u);
      expect(inv.hosts.size, u.scenarios.map((s) => s.id).join(', ')).toBe(u.hosts.length);
    }
    // `wpha test --all`: the web and storage roles share one host, monitoring another, Galera
    // three; MinIO and ProxySQL are rendered.
    expect(units.map((u) => `${u.kind}:${u.hosts.length}:${u.scenarios.map((s) => s.role).join(',')}`)).toEqual([
      'lab:1:backup,backup_target,cache_warmer,common,haproxy,keepalived,mariadb,nginx,php_fpm,rclone,rclone_sync,redis,sql_proxy,swift_s3,wordpress',
      'lab:3:galera,galera_arbitrator',
      'lab:1:logging,zabbix_agent,zabbix_server',
      'render:2:minio',
      'render:4:proxysql',
    ]);
  });

  it('render scenarios pass (MinIO and ProxySQL cannot run in the lab)', async () => {
    const scenarios = await collectScenarios({ roles: ['minio', 'proxysql'], all: false, scenario: 'default', cwd: root });
    for (const u of planUnits(scenarios)) {
      const lines: string[] = [];
      const r = await runRenderUnit(u, (s) => lines.push(s));
      expect(r.checks.filter((c) => !c.verdict.ok).map((c) => `${c.scenario} ${c.label}: ${c.verdict.problems.join('; ')}`)).toEqual([]);
      expect(r).toMatchObject({ ok: true, failures: [] });
      expect(r.checks.length).toBeGreaterThanOrEqual(4);
    }
  });
});
