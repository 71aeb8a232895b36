import { describe, it, expect } from 'vitest';
import type { HostSpec, Inventory, PortSpec, RoleSpec } from '../model.js';
import { frozenCopy, groupsMap, hostScope, hostvarsMap, rolePorts } from './scope.js';

const loc = { file: 'inventory.yaml', line: 1, col: 1 };

function host(name: string, address: string, roles: string[]): HostSpec {
  return { name, address, port: 22, user: 'root', become: false, ssh: { knownHosts: '/dev/null', connectTimeoutMs: 1000 }, groups: ['all'], roles, vars: {}, location: loc };
}

function role(name: string, ports: PortSpec[]): RoleSpec {
  return { name, dir: `/roles/${name}`, description: name, depends: [], variables: {}, ports, tasks: [], handlers: [] };
}

function inventory(): Inventory {
  const hosts = [
    host('front1', '10.0.0.11', ['common', 'haproxy']),
    host('web1', '10.0.0.21', ['common', 'nginx']),
    host('web2', '10.0.0.22', ['common', 'nginx']),
    host('db1', '10.0.0.31', ['common', 'mariadb']),
  ];
  const roles = [
    role('common', [{ port: 22, proto: 'tcp', from: 'world', description: 'ssh' }]),
    role('haproxy', [{ port: 80, proto: 'tcp', from: 'world' }]),
    role('nginx', [{ port: 80, proto: 'tcp', from: 'cluster', description: 'http' }]),
    role('mariadb', [{ port: 3306, proto: 'tcp', from: 'app' }]),
  ];
  return {
    name: 'test',
    dir: '/inv',
    hosts: new Map(hosts.map((h) => [h.name, h])),
    groups: new Map([
      ['web', { name: 'web', hosts: ['web1', 'web2'], children: [], roles: [], vars: {}, location: loc }],
      ['app', { name: 'app', hosts: ['front1'], children: ['web'], roles: [], vars: {}, location: loc }],
    ]),
    roles: new Map(roles.map((r) => [r.name, r])),
    secretVars: new Set(),
  };
}

const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('rolePorts', () => {
  const inv = inventory();
  const cases: [string, unknown][] = [
    [
      'front1',
      [
        { role: 'common', port: 22, proto: 'tcp', from: 'world', description: 'ssh', sources: [] },
        { role: 'haproxy', port: 80, proto: 'tcp', from: 'world', description: '', sources: [] },
      ],
    ],
    [
      'web1',
      [
        { role: 'common', port: 22, proto: 'tcp', from: 'world', description: 'ssh', sources: [] },
        { role: 'nginx', port: 80, proto: 'tcp', from: 'cluster', description: 'http', sources: ['10.0.0.11', '10.0.0.21', '10.0.0.22', '10.0.0.31'] },
      ],
    ],
    // A group's sources include the hosts of its child groups.
    [
      'db1',
      [
        { role: 'common', port: 22, proto: 'tcp', from: 'world', description: 'ssh', sources: [] },
        { role: 'mariadb', port: 3306, proto: 'tcp', from: 'app', description: '', sources: ['10.0.0.11', '10.0.0.21', '10.0.0.22'] },
      ],
    ],
  ];
  it.each(cases)('lists the ports of the roles of %s with their allowed sources', (name, expected) => {
    expect(plain(rolePorts(inv, inv.hosts.get(name)!))).toEqual(expected);
  });

  it("opens a port with `when` only where the expression over the host's variables (role defaults, then host vars) is true", () => {
    const inv2 = inventory();
    const sentinel: RoleSpec = {
      ...role('redis', [
        { port: 6379, proto: 'tcp', from: 'cluster' },
        { port: 26379, proto: 'tcp', from: 'cluster', when: 'redis_sentinel and inventory_hostname != "db9"', location: loc },
      ]),
      variables: { redis_sentinel: { type: 'boolean', default: false, description: 'x' } },
    };
    inv2.roles.set('redis', sentinel);
    const on = { ...inv2.hosts.get('db1')!, roles: ['redis'], vars: { redis_sentinel: true } };
    const off = { ...inv2.hosts.get('db1')!, roles: ['redis'], vars: {} };
    expect(rolePorts(inv2, on).map((p) => p.port)).toEqual([6379, 26379]);
    expect(rolePorts(inv2, off).map((p) => p.port)).toEqual([6379]);
    // A name the host does not have: an error naming where the port is declared.
    inv2.roles.set('redis', { ...sentinel, ports: [{ port: 26379, proto: 'tcp', from: 'cluster', when: 'no_such_var', location: loc }] });
    expect(() => rolePorts(inv2, off)).toThrow(/inventory\.yaml:1:1/);
  });

  it('is part of the host scope and has no prototype', () => {
    const scope = hostScope(inv, inv.hosts.get('web2')!, { groups: {}, hostvars: {} }, undefined);
    const ports = scope.role_ports as Record<string, unknown>[];
    expect(ports.map((p) => p.port)).toEqual([22, 80]);
    expect(Object.getPrototypeOf(ports[0])).toBeNull();
    expect(scope.inventory_dir).toBe(inv.dir);
  });
});

describe('role_names', () => {
  const inv = inventory();
  it("is the host's roles in the host scope, in every host's hostvars, and in a port's `when`", () => {
    expect(hostScope(inv, inv.hosts.get('web1')!, { groups: {}, hostvars: {} }, undefined).role_names).toEqual(['common', 'nginx']);
    const hv = hostvarsMap(inv) as Record<string, Record<string, unknown>>;
    expect(hv.front1!.role_names).toEqual(['common', 'haproxy']);
    expect(hv.db1!.role_names).toEqual(['common', 'mariadb']);
    const withPort = { ...inv, roles: new Map(inv.roles) };
    withPort.roles.set('nginx', role('nginx', [{ port: 8080, proto: 'tcp', from: 'cluster', when: '"haproxy" in role_names' }]));
    expect(rolePorts(withPort, inv.hosts.get('web1')!).map((p) => p.port)).toEqual([22]);
    expect(rolePorts(withPort, { ...inv.hosts.get('web1')!, roles: ['common', 'nginx', 'haproxy'] }).map((p) => p.port)).toEqual([22, 8080, 80]);
    // The host's address is known there too (a log host named by its address opens its port).
    withPort.roles.set('nginx', role('nginx', [{ port: 2514, proto: 'tcp', from: 'cluster', when: 'ansible_host == "10.0.0.22"' }]));
    expect(rolePorts(withPort, inv.hosts.get('web2')!).map((p) => p.port)).toEqual([22, 2514]);
    expect(rolePorts(withPort, inv.hosts.get('web1')!).map((p) => p.port)).toEqual([22]);
  });
});

describe('what every host shares', () => {
  it('is a copy frozen throughout, prototypes kept, the inventory left as it was', () => {
    const inv = inventory();
    const web1 = inv.hosts.get('web1')!;
    web1.vars = { site: { name: 'shop', aliases: ['www'] } };
    const hv = hostvarsMap(inv) as Record<string, Record<string, { name: string; aliases: string[] }>>;
    const site = hv.web1!.site!;
    expect(Object.isFrozen(hv) && Object.isFrozen(hv.web1) && Object.isFrozen(site) && Object.isFrozen(site.aliases)).toBe(true);
    expect(Object.getPrototypeOf(hv.web1)).toBeNull();
    expect(Object.getPrototypeOf(site)).toBe(Object.prototype);
    expect(site).toEqual({ name: 'shop', aliases: ['www'] });
    expect(Object.isFrozen(web1.vars.site)).toBe(false);
    expect(() => (site.aliases as string[]).push('x')).toThrow(TypeError);
    expect(Object.isFrozen(groupsMap(inv))).toBe(true);
  });

  it('frozenCopy leaves what is not plain data as it is', () => {
    const m = new Map([['a', 1]]);
    const copy = frozenCopy({ m, list: [1, { x: 2 }] });
    expect(copy.m).toBe(m);
    expect(Object.isFrozen(copy.list[1])).toBe(true);
  });
});
