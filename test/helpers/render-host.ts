/**
 * Facts of a host of a given size and virtualization, for tests that render the shipped roles
 * for the shipped inventories (sizing from memory, time sync in VMs only); the rendering itself
 * is expand-host.ts's.
 */
import type { Facts } from '../../src/engine/facts.js';

export { expandHost, fileContent as content } from './expand-host.js';

export function facts(hostname: string, memoryMb: number, virtualization: string): Facts {
  return {
    hostname, fqdn: hostname, kernel: '6.1.0-28-amd64', arch: 'x86_64', cpus: 4, memory_mb: memoryMb, ipv4: ['10.0.0.9'], default_ipv4: '10.0.0.9', default_interface: 'eth0', init: 'systemd', virtualization, user: 'root',
    os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
  };
}
