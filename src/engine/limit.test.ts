import { describe, it, expect } from 'vitest';
import { selectHosts, taskSelected } from './limit.js';
import type { Inventory, HostSpec, GroupSpec } from '../model.js';

const loc = { file: 'inventory.yaml', line: 1, col: 1 };
function host(name: string, groups: string[]): HostSpec {
  return { name, address: '10.0.0.1', port: 22, user: 'root', become: false, ssh: { knownHosts: 'kh', connectTimeoutMs: 1000 }, groups: ['all', ...groups], roles: [], vars: {}, location: loc };
}
function group(name: string, hosts: string[]): GroupSpec {
  return { name, hosts, children: [], roles: [], vars: {}, location: loc };
}
const inv: Inventory = {
  name: 'prod',
  dir: '/inv',
  hosts: new Map(
    [
      ['front1', host('front1', ['front'])],
      ['web1', host('web1', ['web'])],
      ['web2', host('web2', ['web', 'canary'])],
      ['db1', host('db1', ['db'])],
    ].map(([n, h]) => [n as string, h as HostSpec]),
  ),
  groups: new Map([
    ['front', group('front', ['front1'])],
    ['web', group('web', ['web1', 'web2'])],
    ['canary', group('canary', ['web2'])],
    ['db', group('db', ['db1'])],
  ]),
  roles: new Map(),
  secretVars: new Set(),
};

describe('--limit', () => {
  it.each([
    [undefined, ['front1', 'web1', 'web2', 'db1']],
    ['all', ['front1', 'web1', 'web2', 'db1']],
    ['web', ['web1', 'web2']],
    ['web1,db1', ['web1', 'db1']],
    ['web:!web2', ['web1']],
    ['web:&canary', ['web2']],
    ['!db', ['front1', 'web1', 'web2']],
    ['w*', ['web1', 'web2']],
    ['fr*,db', ['front1', 'db1']],
  ])('%s -> %j', (pattern, expected) => {
    expect(selectHosts(inv, pattern)).toEqual(expected);
  });

  it('rejects a term that names nothing', () => {
    expect(() => selectHosts(inv, 'wbe')).toThrow('--limit: "wbe" is neither a host nor a group of inventory "prod"');
  });
});

describe('--tags / --skip-tags', () => {
  it.each([
    [['a'], [], [], true],
    [['a'], ['b'], [], false],
    [['a', 'b'], ['b'], [], true],
    [['always'], ['b'], [], true],
    [['a'], [], ['a'], false],
    [[], [], [], true],
  ])('%j with only %j skip %j -> %s', (tags, only, skip, expected) => {
    expect(taskSelected(tags, only, skip)).toBe(expected);
  });
});
