/**
 * What a lab-inventory host's tasks expand to, without any host: the inventory loaded with -e
 * variables, each task of the host's roles expanded against fixed facts. Returns the steps of the
 * tasks that run, by "role/task name", and the names of those skipped by `when`.
 */
import path from 'node:path';
import type { Facts } from '../../src/ops/facts.js';
import { loadForRun } from '../../src/engine/load.js';
import { groupsMap, hostScope, hostvarsMap } from '../../src/engine/scope.js';
import { expandTask, type Step } from '../../src/engine/steps.js';
import { createRenderer } from '../../src/template/index.js';
import { OPS } from '../../src/ops/registry.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export const LAB_FACTS: Facts = {
  hostname: 'web1',
  fqdn: 'web1',
  kernel: '6.1.0',
  arch: 'x86_64',
  cpus: 2,
  memory_mb: 4096,
  ipv4: ['10.0.0.9'],
  default_ipv4: '10.0.0.9',
  default_interface: 'eth0',
  init: 'systemd',
  virtualization: 'systemd-nspawn',
  user: 'root',
  os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
};

export async function expandLabHost(host: string, extraVars: string[]): Promise<{ steps: Map<string, Step[]>; skipped: string[] }> {
  const inv = await loadForRun({ inventory: 'lab', cwd: root, extraVars });
  const renderer = createRenderer({ partialDirs: [path.join(root, 'templates', 'partials'), ...[...inv.roles.values()].map((r) => path.join(r.dir, 'templates', 'partials'))] });
  const h = inv.hosts.get(host)!;
  const scope = hostScope(inv, h, { groups: groupsMap(inv), hostvars: hostvarsMap(inv) }, LAB_FACTS);
  const steps = new Map<string, Step[]>();
  const skipped: string[] = [];
  let i = 0;
  for (const roleName of h.roles) {
    const role = inv.roles.get(roleName)!;
    for (const task of role.tasks) {
      const exp = expandTask(i++, task, scope, { host, facts: LAB_FACTS, role, renderer, ops: OPS });
      if (exp.kind === 'error') throw new Error(`${task.role} "${task.name}": ${exp.message}`);
      const key = `${task.role}/${task.name}`;
      if (exp.kind === 'skip') skipped.push(key);
      else steps.set(key, [...(steps.get(key) ?? []), ...exp.steps]);
    }
  }
  return { steps, skipped };
}

export function stepArgs(steps: Map<string, Step[]>, key: string, index = 0): Record<string, unknown> {
  const s = steps.get(key);
  if (!s?.[index]) throw new Error(`No step ${index} for ${key}`);
  return s[index]!.args as Record<string, unknown>;
}
