import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testOps } from '../roles/fixtures/known-ops.js';
import { loadInventory } from '../play/load.js';
import { formatHostsText, hostViews } from '../play/show.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'machines');

describe('provider-made hosts from wpha-state.json', () => {
  it('join their group like written hosts; machines being created or retired stay out', async () => {
    const inv = await loadInventory({ name: dir, cwd: dir, knownOps: testOps, roleDirs: [], env: {}, home: '/home/ops' });
    expect([...inv.hosts.keys()]).toEqual(['front1', 'web-0a1b', 'web-0c2d']);
    expect(inv.groups.get('web')!.hosts).toEqual(['web-0a1b', 'web-0c2d']);
    expect(inv.groups.get('all')!.hosts).toEqual(['front1', 'web-0a1b', 'web-0c2d']);
    const h = inv.hosts.get('web-0c2d')!;
    expect(h).toMatchObject({ address: '10.0.0.22', groups: ['all', 'web'], user: 'root', port: 22 });
    expect(h.machine).toEqual({ provider: 'lab', providerId: 'web-0c2d', image: 'g2', created: '2026-12-04T11:00:00Z', status: 'canary' });
    expect(h.location).toEqual({ file: 'wpha-state.json', line: 6, col: 5 });
    expect(inv.hosts.get('front1')!.machine).toBeUndefined();
    expect(inv.stateId).toBe('abcdef123456');
    expect(inv.providers).toEqual({ lab: { type: 'lab' } });
    expect(inv.groups.get('web')!.machines).toEqual({ provider: 'lab', image: 'base', count: 2, size: { cpus: 2, memory_mb: 2048 } });
    expect(inv.groups.get('web')!.upgrade!.checks!.map((c) => c.name)).toEqual(['home page', 'nginx']);
  });

  it('inventory show says which provider made a host, from what image', async () => {
    const inv = await loadInventory({ name: dir, cwd: dir, knownOps: testOps, roleDirs: [], env: {}, home: '/home/ops' });
    const text = formatHostsText(hostViews(inv, 'web-0a1b'));
    expect(text.split('\n').slice(0, 2)).toEqual(['web-0a1b  root@10.0.0.21:22  become: no', '  machine: made by provider "lab" (id web-0a1b), image g1, serving, created 2026-12-04T10:00:00Z']);
  });
});
