/**
 * The shipped web, front, storage and backup roles' scenarios (roles/<name>/tests/default.yaml)
 * as a user runs them with `wpha test`: shared, they converge together on ONE fresh lab host
 * (converge, converge again with 0 changed in one round trip, every scenario's checks, destroy);
 * MinIO and ProxySQL, which the lab cannot run, are rendered and their files checked.
 */
import { describe, expect, it } from 'vitest';
import { CI_UNITS, passScenarios, rolesWithScenarios } from './ci-units.js';

describe('shared role scenarios', () => {
  it('every role with a scenario is in one CI list', () => {
    const listed = Object.values(CI_UNITS).flat();
    expect([...listed].sort()).toEqual(rolesWithScenarios());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('pass on one shared host, and two rendered', async () => {
    const out = await passScenarios(CI_UNITS.shared, 2_400_000);
    expect(out).toMatch(/^\[1\/3\] .* \(1 lab host\(s\): node1\)$/m);
    expect(out).toMatch(/idempotence {2}ok: 0 changed in [\d.]+ s \(1 round trip\(s\)\)/);
    expect(out).toMatch(/^\[2\/3\] minio\/default \(rendered: node1, node2\)$/m);
    expect(out).toMatch(/^\[3\/3\] proxysql\/default \(rendered: node1, db1, db2, db3\)$/m);
  }, 2_500_000);
});
