/** `serial` and `max_fail_percentage` from inventory.yaml to the batches of a run (load + plan). */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadInventory } from '../play/load.js';
import { testOps } from '../roles/fixtures/known-ops.js';
import { SerialSchema } from '../inventory/schema.js';
import { parseBatchEntry } from './batch-size.js';
import { batchesForRun } from './units.js';

function inventory(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-rollout-'));
  writeFileSync(path.join(dir, 'inventory.yaml'), yaml);
  return dir;
}

const YAML = `hosts:
  front1: { address: 10.0.0.1 }
  web1: { address: 10.0.0.11 }
  web2: { address: 10.0.0.12 }
  web3: { address: 10.0.0.13 }
  web4: { address: 10.0.0.14 }
groups:
  front:
    hosts: [front1]
  web:
    hosts: [web1, web2, web3, web4]
    serial: [1, "50%"]
    max_fail_percentage: "25%"
`;

describe('rollout settings in an inventory', () => {
  it('load into the group model, normalized, with the location of the key', async () => {
    const dir = inventory(YAML);
    const inv = await loadInventory({ name: dir, cwd: dir, knownOps: testOps, roleDirs: [], env: {} });
    expect(inv.groups.get('web')!.rollout).toEqual({ serial: [1, '50%'], maxFailPercentage: 25, location: { file: 'inventory.yaml', line: 12, col: 5 } });
    expect(inv.groups.get('front')!.rollout).toBeUndefined();
    const hosts = [...inv.hosts.keys()];
    expect(batchesForRun(inv, hosts, { check: false }).map((b) => b.hosts)).toEqual([['front1', 'web1'], ['web2', 'web3'], ['web4']]);
    expect(batchesForRun(inv, hosts, { check: true }).map((b) => b.hosts)).toEqual([hosts]);
    expect(batchesForRun(inv, hosts, { check: false, serial: ['2'] }).map((b) => b.hosts)).toEqual([['front1', 'web1'], ['web2', 'web3'], ['web4']]);
    expect(batchesForRun(inv, hosts, { check: false, serial: ['100%'] }).map((b) => b.hosts)).toEqual([hosts]);
    const single = inventory(YAML.replace('serial: [1, "50%"]', 'serial: 3'));
    expect((await loadInventory({ name: single, cwd: single, knownOps: testOps, roleDirs: [], env: {} })).groups.get('web')!.rollout!.serial).toEqual([3]);
  });

  it.each([1, 3, '3', '007', '1%', '25%', '100%', 0, -1, 1.5, '0', '0%', '101%', '12.5%', ' 5', '5 ', 'x', '%', ''])('the schema and batchSizes agree on %j', (entry) => {
    let parses = true;
    try {
      parseBatchEntry(entry);
    } catch {
      parses = false;
    }
    expect(SerialSchema.safeParse(entry).success).toBe(parses);
    expect(SerialSchema.safeParse([1, entry]).success).toBe(parses);
  });
});
