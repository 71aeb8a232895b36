/**
 * What `wpha inventory show` and `check` print: resolved hosts with their effective vars (role
 * defaults applied), secrets masked. Pure: the command only writes the returned text.
 */
import { UserError } from '../errors.js';
import type { HostSpec, Inventory } from '../model.js';
import { effectiveVars } from '../roles/vars.js';
import { MASK, Redactor } from '../secrets/redactor.js';
import { didYouMean } from '../yaml/suggest.js';
import { ALL } from '../inventory/groups.js';

export interface HostView {
  name: string;
  address: string;
  port: number;
  user: string;
  become: boolean;
  /** `local`: reached through the local shell (absent: SSH). */
  connection?: 'local';
  ssh: HostSpec['ssh'];
  groups: string[];
  roles: string[];
  /** Effective vars (role defaults < inventory < extra vars), sorted by name, secrets as ***. */
  vars: Record<string, unknown>;
  /** For a host a provider made: which, from what image, in what state (from wpha-state.json). */
  machine?: HostSpec['machine'];
}

/** Every string or number inside a secret value, for masking wherever it appears. */
function collectLeaves(value: unknown, out: string[]): void {
  if (typeof value === 'string' || typeof value === 'number') out.push(String(value));
  else if (Array.isArray(value)) value.forEach((v) => collectLeaves(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => collectLeaves(v, out));
}

/** A Redactor knowing the values of every secret var of every host. */
export function inventoryRedactor(inv: Inventory): Redactor {
  const redactor = new Redactor();
  for (const host of inv.hosts.values()) {
    const vars = effectiveVars(inv, host);
    for (const name of inv.secretVars) {
      const leaves: string[] = [];
      if (name in vars) collectLeaves(vars[name], leaves);
      leaves.forEach((l) => redactor.add(l));
    }
  }
  return redactor;
}

export function hostViews(inv: Inventory, only?: string): HostView[] {
  if (only !== undefined && !inv.hosts.has(only)) {
    throw new UserError(`No host "${only}" in inventory "${inv.name}"${didYouMean(only, inv.hosts.keys())}`);
  }
  const hosts = only === undefined ? [...inv.hosts.values()] : [inv.hosts.get(only)!];
  return hosts.map((h) => {
    const all = effectiveVars(inv, h);
    const vars: Record<string, unknown> = {};
    for (const name of Object.keys(all).sort()) vars[name] = inv.secretVars.has(name) ? MASK : all[name];
    return {
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      become: h.become,
      ...(h.connection ? { connection: h.connection } : {}),
      ssh: h.ssh,
      groups: h.groups,
      roles: h.roles,
      vars,
      ...(h.machine ? { machine: h.machine } : {}),
    };
  });
}

export function formatHostsText(views: readonly HostView[]): string {
  const lines: string[] = [];
  for (const v of views) {
    const reach = v.connection === 'local' ? `local shell as ${v.user} (address ${v.address})` : `${v.user}@${v.address.includes(':') ? `[${v.address}]` : v.address}:${v.port}`;
    lines.push(`${v.name}  ${reach}  become: ${v.become ? 'yes' : 'no'}${v.ssh.proxyJump && v.connection !== 'local' ? `  via ${v.ssh.proxyJump}` : ''}`);
    if (v.machine)
      lines.push(
        `  machine: made by provider "${v.machine.provider}"${v.machine.providerId ? ` (id ${v.machine.providerId})` : ''}, image ${v.machine.image}, ${v.machine.status}, created ${v.machine.created}`,
      );
    lines.push(`  groups: ${v.groups.join(', ')}`);
    lines.push(`  roles:  ${v.roles.length > 0 ? v.roles.join(', ') : '(none)'}`);
    const names = Object.keys(v.vars);
    lines.push(names.length > 0 ? '  vars:' : '  vars:   (none)');
    for (const name of names) lines.push(`    ${name}: ${v.vars[name] === MASK ? MASK : JSON.stringify(v.vars[name])}`);
  }
  return lines.join('\n') + '\n';
}

/** `Inventory "lab" is valid: 5 hosts, 4 groups, 0 roles` (groups: declared ones, `all` not counted). */
export function formatCheckSummary(inv: Inventory): string {
  const groups = [...inv.groups.keys()].filter((g) => g !== ALL).length;
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `Inventory "${inv.name}" is valid: ${n(inv.hosts.size, 'host')}, ${n(groups, 'group')}, ${n(inv.roles.size, 'role')}\n`;
}
