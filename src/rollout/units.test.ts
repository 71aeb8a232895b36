import { describe, it, expect } from 'vitest';
import { decidingGroup, rolloutUnits } from './units.js';
import type { Inventory, HostSpec, GroupSpec, GroupRollout } from '../model.js';

const loc = { file: 'inventory.yaml', line: 3, col: 5 };
function host(name: string, groups: string[]): HostSpec {
  return { name, address: '10.0.0.1', port: 22, user: 'root', become: false, ssh: { knownHosts: 'kh', connectTimeoutMs: 1000 }, groups: ['all', ...groups], roles: ['r'], vars: {}, location: loc };
}
function group(name: string, hosts: string[], rollout?: Omit<GroupRollout, 'location'>): GroupSpec {
  return { name, hosts, children: [], roles: [], vars: {}, ...(rollout ? { rollout: { ...rollout, location: loc } } : {}), location: loc };
}
// Groups of a host are in precedence order (lowest first), as the loader gives them.
const inv: Inventory = {
  name: 'prod',
  dir: '/inv',
  hosts: new Map(
    [host('front1', ['front']), host('web1', ['shop', 'web']), host('web2', ['shop', 'web', 'canary']), host('web3', ['shop', 'web']), host('db1', ['shop', 'db'])].map((h) => [h.name, h]),
  ),
  groups: new Map([
    ['all', group('all', [])],
    ['front', group('front', ['front1'])],
    ['shop', group('shop', ['web1', 'web2', 'web3', 'db1'], { serial: [1], maxFailPercentage: 25 })],
    ['web', group('web', ['web1', 'web2', 'web3'], { serial: [1, '50%'], maxFailPercentage: 0 })],
    ['canary', group('canary', ['web2'], { serial: [], maxFailPercentage: 0 })],
    ['db', group('db', ['db1'])],
  ]),
  roles: new Map(),
  secretVars: new Set(),
};
const all = ['front1', 'web1', 'web2', 'web3', 'db1'];

describe('decidingGroup', () => {
  it('is the highest-precedence group with rollout settings', () => {
    expect(decidingGroup(inv, 'front1')).toBeUndefined();
    expect(decidingGroup(inv, 'web1')).toBe('web');
    expect(decidingGroup(inv, 'web2')).toBe('canary');
    expect(decidingGroup(inv, 'db1')).toBe('shop'); // db sets nothing: its parent decides
  });
});

describe('rolloutUnits', () => {
  it('groups hosts by deciding group, in inventory order', () => {
    expect(rolloutUnits(inv, all).map((u) => [u.name, u.hosts, u.serial, u.maxFailPercentage, u.rolling, u.source])).toEqual([
      ['', ['front1'], [], undefined, false, 'hosts of no rolling group'],
      ['web', ['web1', 'web3'], [1, '50%'], 0, true, 'group "web" (inventory.yaml:3:5)'],
      ['canary', ['web2'], [], 0, true, 'group "canary" (inventory.yaml:3:5)'],
      ['shop', ['db1'], [1], 25, true, 'group "shop" (inventory.yaml:3:5)'],
    ]);
  });

  it('--serial makes one unit and keeps the strictest budget of the selection', () => {
    const [u, ...rest] = rolloutUnits(inv, all, { serial: ['2'] });
    expect(rest).toEqual([]);
    expect(u).toMatchObject({ name: '--serial', hosts: all, serial: ['2'], maxFailPercentage: 0, rolling: true });
    expect(u!.source).toBe("--serial 2 (max_fail_percentage 0: the strictest of the selected hosts' groups)");
    expect(rolloutUnits(inv, ['front1'], { serial: [1] })[0]).not.toHaveProperty('maxFailPercentage');
    expect(rolloutUnits(inv, ['db1'], { serial: [1] })[0]!.maxFailPercentage).toBe(25);
  });

  it('--max-fail-percentage replaces every budget, and makes even hosts of no rolling group count', () => {
    const units = rolloutUnits(inv, all, { maxFailPercentage: 40 });
    expect(units.map((u) => [u.name, u.maxFailPercentage, u.rolling])).toEqual([
      ['', 40, true],
      ['web', 40, true],
      ['canary', 40, true],
      ['shop', 40, true],
    ]);
    expect(units[1]!.source).toBe('group "web" (inventory.yaml:3:5) with --max-fail-percentage 40');
    expect(rolloutUnits(inv, all, { serial: [1], maxFailPercentage: 50 })[0]).toMatchObject({ maxFailPercentage: 50, source: '--serial 1' });
  });
});
