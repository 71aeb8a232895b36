import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { addressesIn, benchInventoryYaml, copyStackInventory, hostsSubnet, remapSubnet, stackTargets } from './stack-inventory.js';
import { loadForRun } from '../engine/load.js';
import { projectRoot } from '../paths.js';

const ssh = { key: '/bench/lab/ssh/id_ed25519', knownHosts: '/bench/lab/ssh/known_hosts' };
const labInventory = path.join(projectRoot(), 'inventories', 'lab');
const temps: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'wpha-stack-inv-'));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('remapSubnet', () => {
  const CASES: [string, string][] = [
    ['front1: { address: 172.31.250.11 }', 'front1: { address: 172.31.246.11 }'],
    ['keepalived_vips: [172.31.250.10/24]', 'keepalived_vips: [172.31.246.10/24]'],
    ['- "ip saddr { 172.31.250.11, 172.31.250.12 } ip protocol vrrp accept"', '- "ip saddr { 172.31.246.11, 172.31.246.12 } ip protocol vrrp accept"'],
    ['# Reach the site at http://172.31.250.10/ now', '# Reach the site at http://172.31.246.10/ now'],
    // Not addresses of the lab's /24: left alone.
    ['10.172.31.250.5 and 172.31.2500.1 and 172.31.25.1', '10.172.31.250.5 and 172.31.2500.1 and 172.31.25.1'],
    ['172.31.250.0/24 and 172.31.250.255', '172.31.246.0/24 and 172.31.246.255'],
  ];
  it.each(CASES)('%s', (input, expected) => {
    expect(remapSubnet(input, '172.31.250', '172.31.246')).toBe(expected);
  });

  it('refuses prefixes that are not /24 prefixes', () => {
    expect(() => remapSubnet('x', '172.31', '172.31.246')).toThrow(/Expected \/24 prefixes/);
  });
});

describe('hostsSubnet', () => {
  it('finds the one /24 of the hosts', () => {
    expect(hostsSubnet('hosts:\n  a: { address: 10.1.2.3 }\n  b: { address: 10.1.2.9 }\n')).toBe('10.1.2');
  });
  it('refuses hosts spread over several networks', () => {
    expect(() => hostsSubnet('hosts:\n  a: { address: 10.1.2.3 }\n  b: { address: 10.1.3.9 }\n')).toThrow(/"10.1.2", "10.1.3"/);
  });
});

describe('benchInventoryYaml', () => {
  it('text edit: lab: true turned off, defaults appended, every other byte kept', () => {
    const src = '# The lab.\nlab: true # boot them\n\nhosts:\n  web1: { address: 10.0.0.2 } # a web node\ngroups:\n  web: { hosts: [web1], roles: [nginx] }\n';
    const out = benchInventoryYaml(src, ssh);
    expect(parse(out)).toEqual({
      lab: false,
      defaults: { ssh: { key: ssh.key, known_hosts: ssh.knownHosts } },
      hosts: { web1: { address: '10.0.0.2' } },
      groups: { web: { hosts: ['web1'], roles: ['nginx'] } },
    });
    expect(out).toContain(src.replace('lab: true', 'lab: false'));
  });

  it('document edit when defaults exist: their other settings kept, comments kept', () => {
    const src = '# The lab.\nlab: true\ndefaults:\n  user: root\n  ssh: { connect_timeout: 5, key: /old/key }\nhosts:\n  web1: { address: 10.0.0.2 } # a web node\n';
    const out = benchInventoryYaml(src, ssh);
    expect(parse(out)).toEqual({
      lab: false,
      defaults: { user: 'root', ssh: { connect_timeout: 5, key: ssh.key, known_hosts: ssh.knownHosts } },
      hosts: { web1: { address: '10.0.0.2' } },
    });
    expect(out).toContain('# The lab.');
    expect(out).toContain('# a web node');
  });

  it('SSH paths with YAML metacharacters come out as the same strings', () => {
    const odd = { key: '/tmp/a: b/#k', knownHosts: "/tmp/it's [x]" };
    expect(parse(benchInventoryYaml('lab: true\nhosts: {}\n', odd)).defaults).toEqual({ ssh: { key: odd.key, known_hosts: odd.knownHosts } });
  });
});

describe('copyStackInventory on inventories/lab', () => {
  it('copies every file with only the addresses and the inventory header changed, then loads as the lab stack', async () => {
    const dest = path.join(tempDir(), 'lab');
    const copy = copyStackInventory(labInventory, dest, '172.31.246', ssh);
    expect(copy.fromSubnet).toBe('172.31.250');
    for (const rel of ['group_vars/all.yaml', 'group_vars/front.yaml', 'group_vars/web.yaml', 'group_vars/db.yaml', 'group_vars/db_ha.yaml', 'group_vars/redis.yaml']) {
      const before = readFileSync(path.join(labInventory, rel), 'utf8');
      const after = readFileSync(path.join(dest, rel), 'utf8');
      expect(addressesIn(after, '172.31.250')).toEqual([]);
      expect(after).toBe(before.replaceAll('172.31.250.', '172.31.246.'));
    }
    const invText = readFileSync(path.join(dest, 'inventory.yaml'), 'utf8');
    const invSource = readFileSync(path.join(labInventory, 'inventory.yaml'), 'utf8');
    expect(invText).toContain(invSource.replaceAll('172.31.250.', '172.31.246.').replace('lab: true', 'lab: false'));
    const inv = await loadForRun({ inventory: dest });
    expect(inv.name).toBe('lab');
    expect(inv.lab).toBeUndefined();
    const t = stackTargets(inv, '172.31.246');
    expect(t.hosts).toEqual([
      { name: 'front1', address: '172.31.246.11' },
      { name: 'front2', address: '172.31.246.12' },
      { name: 'web1', address: '172.31.246.21' },
      { name: 'web2', address: '172.31.246.22' },
      { name: 'db1', address: '172.31.246.31' },
      { name: 'db2', address: '172.31.246.32' },
    ]);
    expect(t.vip).toBe('172.31.246.10');
    expect(t.site).toEqual({ domain: 'shop.lab', title: 'Lab Shop' });
    expect(t.loadClient).toEqual({ name: 'db1', address: '172.31.246.31' });
    expect(t.fronts).toEqual([
      { name: 'front1', address: '172.31.246.11' },
      { name: 'front2', address: '172.31.246.12' },
    ]);
    expect(t.etcHosts).toEqual({ 'shop.lab': '172.31.246.10' });
    for (const h of inv.hosts.values()) {
      expect([h.name, h.ssh.keyFile, h.ssh.knownHosts]).toEqual([h.name, ssh.key, ssh.knownHosts]);
      expect(addressesIn(JSON.stringify(h.vars), '172.31.250')).toEqual([]);
    }
    expect(inv.hosts.get('front1')!.vars.common_firewall_extra_rules).toEqual(['ip saddr { 172.31.246.11, 172.31.246.12 } ip protocol vrrp accept']);
  });

  it('stackTargets refuses an inventory whose addresses are outside the bench subnet', async () => {
    const dest = path.join(tempDir(), 'lab');
    copyStackInventory(labInventory, dest, '172.31.246', ssh);
    const inv = await loadForRun({ inventory: dest });
    expect(() => stackTargets(inv, '172.31.245')).toThrow(/outside the bench subnet 172\.31\.245\.0\/24: 172\.31\.246\.11/);
  });
});
