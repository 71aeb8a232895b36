/**
 * The Galera and monitoring roles' scenarios through `wpha test`: a cluster of two data nodes
 * and an arbitrator on three fresh lab hosts, then the Zabbix server, agent and log forwarding on
 * one.
 */
import { describe, expect, it } from 'vitest';
import { CI_UNITS, passScenarios } from './ci-units.js';

describe('database and monitoring role scenarios', () => {
  it('pass: Galera on three hosts, monitoring on one', async () => {
    const out = await passScenarios(CI_UNITS.data, 2_400_000);
    expect(out).toMatch(/^\[1\/2\] galera\/default, galera_arbitrator\/default \(3 lab host\(s\): node1, node2, node3\)$/m);
    expect(out).toMatch(/^\[2\/2\] zabbix_server\/default, zabbix_agent\/default, logging\/default \(1 lab host\(s\): node1\)$/m);
  }, 2_500_000);
});
