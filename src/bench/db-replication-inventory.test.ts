import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadForRun } from '../engine/load.js';
import { topologiesOf } from '../cli/commands/db/context.js';
import { benchDbInventory } from './db-replication-inventory.js';

describe('the bench:db inventory', () => {
  it('loads as a replication group of three with the SQL proxy and its VIP on the first two', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-bench-db-inv-'));
    const doc = benchDbInventory({ names: ['b1', 'b2', 'b3'], addresses: ['10.9.0.101', '10.9.0.102', '10.9.0.103'], vip: '10.9.0.150', ssh: { key: '/k', knownHosts: '/kh' } });
    writeFileSync(path.join(dir, 'inventory.yaml'), stringify(doc));
    const inv = await loadForRun({ inventory: dir });
    const [t] = topologiesOf(inv);
    expect([t?.group, t?.members.map((m) => m.name), t?.proxies.map((p) => p.name)]).toEqual(['db', ['b1', 'b2', 'b3'], ['b1', 'b2']]);
    expect(inv.hosts.get('b1')?.vars.keepalived_vips).toEqual(['10.9.0.150/24']);
    expect(inv.hosts.get('b3')?.roles).toEqual(['common', 'mariadb']);
  });
});
