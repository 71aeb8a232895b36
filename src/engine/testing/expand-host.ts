/**
 * Render tests of roles without a host: every task of a host expanded as the engine would
 * (arguments rendered, templates rendered into `content`), from recorded facts.
 *
 *   const inv = await loadForRun({ inventory: dir, cwd: root });
 *   const { steps } = expandHost(inv, 'db1', recordedFacts({ hostname: 'db1' }));
 *   stepContent(steps, '/etc/mysql/mariadb.conf.d/70-galera.cnf');
 */
import path from 'node:path';
import type { Inventory } from '../../model.js';
import { projectRoot } from '../../paths.js';
import { OPS } from '../../ops/registry.js';
import { createRenderer } from '../../template/index.js';
import type { Facts } from '../../ops/facts.js';
import { groupsMap, hostScope, hostvarsMap } from '../scope.js';
import { expandTask, type Step } from '../steps.js';

/** Facts of a Debian 12 host (override what a test depends on). */
export function recordedFacts(over: Partial<Facts> & { hostname: string }): Facts {
  return {
    fqdn: over.hostname,
    kernel: '6.1.0-28-amd64',
    arch: 'x86_64',
    cpus: 4,
    memory_mb: 8192,
    ipv4: ['10.0.0.9'],
    default_ipv4: '10.0.0.9',
    default_interface: 'eth0',
    init: 'systemd',
    virtualization: 'kvm',
    user: 'root',
    os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
    ...over,
  };
}

/** Every step of every task of the host (handlers excluded), and the tasks `when` skipped (`role/name`). */
export function expandHost(inv: Inventory, host: string, f: Facts): { steps: Step[]; skipped: string[] } {
  const root = projectRoot();
  const renderer = createRenderer({ partialDirs: [path.join(root, 'templates', 'partials'), ...[...inv.roles.values()].map((r) => path.join(r.dir, 'templates', 'partials'))] });
  const h = inv.hosts.get(host);
  if (!h) throw new Error(`No host "${host}" in the inventory`);
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

/** The text a step writes to `dest` (a template or copy). */
export function stepContent(steps: readonly Step[], dest: string): string {
  const s = steps.find((x) => (x.args as { dest?: string }).dest === dest);
  if (!s) throw new Error(`No step writes ${dest}`);
  return (s.args as { content: Buffer }).content.toString('utf8');
}

/** The step writing `dest` (or managing `path`), with its arguments (mode, owner...). */
export function fileStep(steps: readonly Step[], dest: string): Step & { args: Record<string, unknown> } {
  const s = steps.find((x) => (x.args as { dest?: string; path?: string }).dest === dest || (x.args as { path?: string }).path === dest);
  if (!s) throw new Error(`No step writes ${dest}`);
  return s as Step & { args: Record<string, unknown> };
}
