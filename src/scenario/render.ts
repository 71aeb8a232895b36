/**
 * A `render` scenario: for software the lab cannot run (MinIO, ProxySQL: in neither Debian nor
 * npm), the roles are expanded for each scenario host as the engine would (arguments and
 * templates rendered from recorded Debian 12 facts) and the "file" checks run against the files
 * the tasks would write: content, mode, owner, group. Nothing boots; nothing is converged.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { partialDirs } from '../engine/check-templates.js';
import type { Facts } from '../ops/facts.js';
import { groupsMap, hostScope, hostvarsMap } from '../engine/scope.js';
import { expandTask, type Step } from '../engine/steps.js';
import { OPS } from '../ops/registry.js';
import { createRenderer } from '../template/index.js';
import { describeCheck } from './checks.js';
import { fileProblems } from './evaluate.js';
import { writeAndLoad, type UnitOutcome } from './run-lab.js';
import { unitChecks, type RunUnit, type UnitNames } from './units.js';

/** A Debian 12 host's facts (what the templates see as facts.*). */
export function renderFacts(hostname: string, address: string): Facts {
  return {
    hostname,
    fqdn: hostname,
    kernel: '6.1.0-28-amd64',
    arch: 'x86_64',
    cpus: 2,
    memory_mb: 4096,
    ipv4: [address],
    default_ipv4: address,
    default_interface: 'eth0',
    init: 'systemd',
    virtualization: 'kvm',
    user: 'root',
    os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
  };
}

export async function runRenderUnit(u: RunUnit, say: (s: string) => void): Promise<UnitOutcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-test-'));
  try {
    symlinkSync(path.dirname(u.scenarios[0]!.roleDir), path.join(dir, 'roles'));
    const names: UnitNames = { host: Object.fromEntries(u.hosts.map((h) => [h, h])), address: {} };
    [...u.hosts, ...u.addresses].forEach((n, i) => (names.address[n] = `10.0.0.${i + 11}`));
    names.knownHosts = Object.fromEntries(u.hosts.map((h) => [h, `${names.address[h]} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRenderedScenarioHasNoRealHostKey`]));
    const inv = await writeAndLoad(dir, u, names, { lab: false });
    const renderer = createRenderer({ partialDirs: partialDirs(inv) });
    const shared = { groups: groupsMap(inv), hostvars: hostvarsMap(inv) };
    const failures: string[] = [];
    const steps = new Map<string, Step[]>();
    for (const h of u.hosts) {
      const host = inv.hosts.get(h)!;
      const facts = renderFacts(h, names.address[h]!);
      const scope = hostScope(inv, host, shared, facts);
      const list: Step[] = [];
      let i = 0;
      for (const roleName of host.roles) {
        const role = inv.roles.get(roleName)!;
        for (const task of role.tasks) {
          if (task.op === 'flush_handlers') continue;
          const exp = expandTask(i++, task, scope, { host: h, facts, role, renderer, ops: OPS });
          if (exp.kind === 'error') failures.push(`${h} ${task.role}: "${task.name}" cannot be rendered: ${exp.message}`);
          if (exp.kind === 'steps') list.push(...exp.steps);
        }
      }
      steps.set(h, list);
    }
    say(`  render       ${[...steps].map(([h, s]) => `${h}: ${s.length} step(s)`).join(', ')}`);
    const checks = u.scenarios.flatMap((s) =>
      unitChecks(s, u, names).flatMap(({ check, index, hosts }) =>
        hosts.map((host) => {
          const problems = fileProblems(check.file!, ...renderedFile(steps.get(host)!, check.file!.path));
          return { key: `${s.id}#${index}`, scenario: s.id, check, host, label: describeCheck(check), verdict: { ok: problems.length === 0, problems } };
        }),
      ),
    );
    const bad = checks.filter((c) => !c.verdict.ok).length;
    say(`  verify       ${bad === 0 && failures.length === 0 ? 'ok' : 'FAILED'}: ${checks.length - bad}/${checks.length} check(s) passed (rendered files)`);
    return { ok: failures.length === 0 && bad === 0, failures, checks };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The state a file would have after the steps: [exists, "type|mode|owner|group", content]. */
function renderedFile(steps: readonly Step[], file: string): [boolean, string | undefined, string | undefined] {
  let found: [boolean, string | undefined, string | undefined] = [false, undefined, undefined];
  for (const s of steps) {
    const a = s.args as { dest?: string; path?: string; content?: Buffer | string; mode?: string | number; owner?: string; group?: string; state?: string };
    const target = s.op.name === 'systemd_unit' ? `/etc/systemd/system/${String((a as { name?: string }).name)}` : (a.dest ?? a.path);
    if (target !== file) continue;
    if (a.state === 'absent') {
      found = [false, undefined, undefined];
      continue;
    }
    const type = a.state === 'directory' ? 'directory' : a.state === 'link' ? 'symbolic link' : 'regular file';
    // A unit file is always 0644 root:root (systemd_unit); other files get what the task says.
    const unit = s.op.name === 'systemd_unit';
    const mode = unit ? '644' : a.mode === undefined ? '' : String(a.mode).replace(/^0(?=[0-7]{3,4}$)/, '');
    found = [true, `${type}|${mode}|${unit ? 'root' : (a.owner ?? 'root')}|${unit ? 'root' : (a.group ?? a.owner ?? 'root')}`, a.content === undefined ? undefined : String(a.content)];
  }
  return found;
}
