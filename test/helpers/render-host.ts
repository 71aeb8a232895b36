/**
 * Facts of a host of a given size and virtualization, for tests that render the shipped roles
 * for the shipped inventories (sizing from memory, time sync in VMs only).
 */
import type { Facts } from '../../src/engine/facts.js';
import { recordedFacts } from '../../src/engine/testing/expand-host.js';

export { expandHost, stepContent as content } from '../../src/engine/testing/expand-host.js';

export function facts(hostname: string, memoryMb: number, virtualization: string): Facts {
  return recordedFacts({ hostname, memory_mb: memoryMb, virtualization });
}
