/**
 * Expands the shipped roles for one host of an inventory with recorded facts, as the engine
 * would, without touching a host: the steps (rendered templates, op arguments) a run would
 * plan from. For tests of what roles render (configs, units, scripts).
 */
import path from 'node:path';
import type { Inventory } from '../../src/model.js';
import type { Facts } from '../../src/engine/facts.js';
import { groupsMap, hostScope, hostvarsMap } from '../../src/engine/scope.js';
import { expandTask, type Step } from '../../src/engine/steps.js';
import { createRenderer } from '../../src/template/index.js';
import { OPS } from '../../src/ops/registry.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export function facts(hostname: string, memoryMb: number, virtualization: string): Facts {
  return {
    hostname, fqdn: hostname, kernel: '6.1.0-28-amd64', arch: 'x86_64', cpus: 4, memory_mb: memoryMb, ipv4: ['10.0.0.9'], default_ipv4: '10.0.0.9', default_interface: 'eth0', init: 'systemd', virtualization, user: 'root',
    os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
  };
}

/** Every step of every task of the host, expanded as the engine would (handlers excluded). */
export function expandHost(inv: Inventory, host: string, f: Facts): { steps: Step[]; skipped: string[] } {
  const renderer = createRenderer({ partialDirs: [path.join(root, 'templates', 'partials'), ...[...inv.roles.values()].map((r) => path.join(r.dir, 'templates', 'partials'))] });
  const h = inv.hosts.get(host)!;
  const scope = hostScope(inv, h, { groups: groupsMap(inv), hostvars: hostvarsMap(inv) }, f);
  const steps: Step[] = [];
  const skipped: string[] = [];
  let i = 0;
  for (const roleName of h.roles) {
    const role = inv.roles.get(roleName)!;
    for (const task of role.tasks) {
      if (task.op === 'flush_handlers') continue;
      const exp = expandTask(i++, task, scope, { host, facts: f, role, renderer, ops: OPS });
      if (exp.kind === 'error') throw new Error(`${host}: ${task.role} "${task.name}": ${exp.message}`);
      if (exp.kind === 'skip') skipped.push(`${task.role}/${task.name}`);
      else steps.push(...exp.steps);
    }
  }
  return { steps, skipped };
}

/** The text a step writes to `dest` (template, copy). */
export const content = (steps: Step[], dest: string): string => {
  const s = steps.find((x) => (x.args as { dest?: string }).dest === dest);
  if (!s) throw new Error(`No step writes ${dest}`);
  return (s.args as { content: Buffer }).content.toString('utf8');
};
