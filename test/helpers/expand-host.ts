/**
 * Renders a host's roles without touching it: every task expanded as the engine would (loops,
 * `when`, templates), with recorded facts. For tests that check what roles write.
 *
 *   const inv = await loadForRun({ inventory: dir, cwd: root });
 *   const steps = expandHost(inv, 'db1', labFacts('db1', '10.0.0.5'));
 *   expect(fileContent(steps, '/etc/x.conf')).toContain('...');
 */
import path from 'node:path';
import type { Inventory } from '../../src/model.js';
import type { Facts } from '../../src/engine/facts.js';
import { groupsMap, hostScope, hostvarsMap } from '../../src/engine/scope.js';
import { expandTask, type Step } from '../../src/engine/steps.js';
import { createRenderer } from '../../src/template/index.js';
import { OPS } from '../../src/ops/registry.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export function labFacts(hostname: string, address: string): Facts {
  return {
    hostname, fqdn: hostname, kernel: '6.1.0-28-amd64', arch: 'x86_64', cpus: 2, memory_mb: 2048, ipv4: [address], default_ipv4: address, default_interface: 'host0', init: 'systemd', virtualization: 'systemd-nspawn', user: 'root',
    os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
  };
}

/** Every step of the host's tasks (handlers excluded), and the tasks `when` skipped (`role/name`). */
export function expandHost(inv: Inventory, host: string, facts: Facts): { steps: Step[]; skipped: string[] } {
  const renderer = createRenderer({ partialDirs: [path.join(root, 'templates', 'partials'), ...[...inv.roles.values()].map((r) => path.join(r.dir, 'templates', 'partials'))] });
  const h = inv.hosts.get(host)!;
  const scope = hostScope(inv, h, { groups: groupsMap(inv), hostvars: hostvarsMap(inv) }, facts);
  const steps: Step[] = [];
  const skipped: string[] = [];
  let i = 0;
  for (const roleName of h.roles) {
    const role = inv.roles.get(roleName)!;
    for (const task of role.tasks) {
      if (task.op === 'flush_handlers') continue;
      const exp = expandTask(i++, task, scope, { host, facts, role, renderer, ops: OPS });
      if (exp.kind === 'error') throw new Error(`${host}: ${task.role} "${task.name}": ${exp.message}`);
      if (exp.kind === 'skip') skipped.push(`${task.role}/${task.name}`);
      else steps.push(...exp.steps);
    }
  }
  return { steps, skipped };
}

/** The content a step writes to `dest` (copy, template), as text. */
export function fileContent(steps: Step[], dest: string): string {
  const s = steps.find((x) => (x.args as { dest?: string }).dest === dest);
  if (!s) throw new Error(`No step writes ${dest}`);
  return (s.args as { content: Buffer }).content.toString('utf8');
}

/** The step writing `dest`, with its arguments (mode, owner...). */
export function fileStep(steps: Step[], dest: string): Step & { args: Record<string, unknown> } {
  const s = steps.find((x) => (x.args as { dest?: string; path?: string }).dest === dest || (x.args as { path?: string }).path === dest);
  if (!s) throw new Error(`No step writes ${dest}`);
  return s as Step & { args: Record<string, unknown> };
}
