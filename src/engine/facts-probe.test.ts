import { describe, it, expect } from 'vitest';
import { parseFacts } from './facts-probe.js';

// Probe output as the facts script prints it (recorded shapes from a lab host and a VM).
const base = ['hostname=front1', 'os_id=debian', 'os_version_id=12', 'os_codename=bookworm', 'kernel=6.1.0', 'arch=x86_64', 'cpus=2', 'mem_kb=2048000', 'init=systemd', 'virt=kvm', 'user=root'];

describe('parseFacts: default_interface', () => {
  const cases: { name: string; lines: string[]; iface: string; ipv4: string[] }[] = [
    { name: 'the default route decides', lines: ['ipv4=10.0.0.5', 'ipv4_if=eth1', 'ipv4=192.0.2.7', 'ipv4_if=eth0', 'default_if=eth0'], iface: 'eth0', ipv4: ['10.0.0.5', '192.0.2.7'] },
    { name: 'no default route: the first address', lines: ['ipv4=172.31.250.11', 'ipv4_if=host0', 'ipv4=172.31.250.10', 'ipv4_if=host0', 'default_if='], iface: 'host0', ipv4: ['172.31.250.11', '172.31.250.10'] },
    { name: 'no address at all', lines: ['default_if='], iface: '', ipv4: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const f = parseFacts([...base, ...c.lines].join('\n'));
      expect(f.default_interface).toBe(c.iface);
      expect(f.ipv4).toEqual(c.ipv4);
      expect(f.default_ipv4).toBe(c.ipv4[0] ?? '');
    });
  }
});
