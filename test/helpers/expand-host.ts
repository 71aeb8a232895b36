/**
 * Renders a host's roles without touching it (see src/engine/testing/expand-host.ts, the one
 * implementation); here: facts shaped like a lab host's.
 */
import type { Facts } from '../../src/ops/facts.js';
import { recordedFacts } from '../../src/engine/testing/expand-host.js';

export { expandHost, fileStep, stepContent as fileContent } from '../../src/engine/testing/expand-host.js';

export function labFacts(hostname: string, address: string): Facts {
  return recordedFacts({ hostname, cpus: 2, memory_mb: 2048, ipv4: [address], default_ipv4: address, default_interface: 'host0', virtualization: 'systemd-nspawn' });
}
