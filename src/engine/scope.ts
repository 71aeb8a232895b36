/**
 * The variables a host's tasks and templates see, by precedence:
 * role defaults < inventory vars (all < parent group < group < host < -e), then the engine's own
 * names: `facts`, `inventory_hostname`, `inventory_dir`, `groups`, `hostvars`, `role_names`, `role_ports`, registered results and `item`.
 * `role_names` (the roles the host gets, `depends` expanded, in run order) lets a role adapt to
 * what else runs on the host (the monitoring agent defines only the item keys of those roles).
 * Built with null prototypes: no template or expression can reach Object.prototype through it.
 */
import type { HostSpec, Inventory, PortSpec } from '../model.js';
import { evaluateBool } from '../expr/index.js';
import type { Facts } from '../ops/facts.js';

export type Vars = Record<string, unknown>;

export function nullProto(entries: Iterable<[string, unknown]> = []): Vars {
  const o = Object.create(null) as Vars;
  for (const [k, v] of entries) o[k] = v;
  return o;
}

/** Defaults of every role the host gets (first declaring role wins; the loader rejects conflicting types). */
export function roleDefaults(inv: Inventory, host: HostSpec): Vars {
  const out = nullProto();
  for (const r of host.roles) {
    const role = inv.roles.get(r);
    if (!role) continue;
    for (const [name, spec] of Object.entries(role.variables)) {
      if (!(name in out) && spec.default !== undefined) out[name] = spec.default;
    }
  }
  return out;
}

/**
 * A copy of a value, frozen throughout (prototypes kept: a null-prototype object stays one). What
 * every task of every host shares (`groups`, `hostvars`) is handed out as such a copy: nothing
 * can change it behind another host's back, and templates convert it once per run (template/plain.ts).
 */
export function frozenCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) return value; // not plain data: left as it is
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) copy[k] = frozenCopy(v);
  return Object.freeze(copy) as T;
}

export function groupsMap(inv: Inventory): Vars {
  return frozenCopy(nullProto([...inv.groups.values()].map((g) => [g.name, [...allHostsOf(inv, g.name)]])));
}

function allHostsOf(inv: Inventory, group: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(group)) return out;
  seen.add(group);
  const g = inv.groups.get(group);
  if (!g) return out;
  for (const h of g.hosts) out.add(h);
  for (const c of g.children) for (const h of allHostsOf(inv, c, seen)) out.add(h);
  return out;
}

/** What templates may know of other hosts: address, name, groups, roles and inventory vars (not facts). */
export function hostvarsMap(inv: Inventory): Vars {
  return frozenCopy(
    nullProto(
      [...inv.hosts.values()].map((h) => [
        h.name,
        nullProto([...Object.entries(roleDefaults(inv, h)), ...Object.entries(h.vars), ['address', h.address], ['inventory_hostname', h.name], ['group_names', h.groups], ['role_names', h.roles]]),
      ]),
    ),
  );
}

/**
 * The ports the host's roles declare (role.yaml `ports:`), for firewall templates. `sources` are
 * the inventory addresses allowed to connect: every host for `cluster`, the group's hosts
 * (children included) for a group, and an empty list for `world` (anyone).
 */
export function rolePorts(inv: Inventory, host: HostSpec): Vars[] {
  const everyone = [...inv.hosts.values()].map((h) => h.address);
  // A port with `when` opens only where its expression over the host's variables is true.
  let vars: Vars | undefined;
  const wanted = (p: PortSpec) => {
    if (p.when === undefined) return true;
    vars ??= nullProto([
      ...Object.entries(roleDefaults(inv, host)),
      ...Object.entries(host.vars),
      ['inventory_hostname', host.name],
      ['ansible_host', host.address],
      ['group_names', host.groups],
      ['role_names', host.roles],
    ]);
    return evaluateBool(p.when, vars, p.location ? { origin: p.location } : {});
  };
  // Two roles opening the same port to the same sources give one rule (roles named together).
  const byRule = new Map<string, Vars>();
  for (const r of host.roles) {
    for (const p of inv.roles.get(r)?.ports ?? []) {
      if (!wanted(p)) continue;
      const sources = p.from === 'world' ? [] : p.from === 'cluster' ? everyone : [...allHostsOf(inv, p.from)].map((h) => inv.hosts.get(h)?.address ?? h);
      const key = `${p.port}/${p.proto}/${p.from}`;
      const seen = byRule.get(key);
      if (seen) {
        seen.role = `${String(seen.role)}, ${r}`;
        if (p.description && !String(seen.description).includes(p.description)) seen.description = [seen.description, p.description].filter(Boolean).join('; ');
        continue;
      }
      byRule.set(
        key,
        nullProto([
          ['role', r],
          ['port', p.port],
          ['proto', p.proto],
          ['from', p.from],
          ['description', p.description ?? ''],
          ['sources', [...new Set(sources)]],
        ]),
      );
    }
  }
  return [...byRule.values()];
}

export function hostScope(inv: Inventory, host: HostSpec, shared: { groups: Vars; hostvars: Vars }, facts: Facts | undefined): Vars {
  return nullProto([
    ...Object.entries(roleDefaults(inv, host)),
    ...Object.entries(host.vars),
    ['inventory_hostname', host.name],
    // Folder of the inventory on the controller: files shipped with it (e.g. a folder `unarchive` sends).
    ['inventory_dir', inv.dir],
    ['ansible_host', host.address],
    ['group_names', host.groups],
    ['role_names', host.roles],
    ['groups', shared.groups],
    ['hostvars', shared.hostvars],
    ['role_ports', rolePorts(inv, host)],
    ['facts', facts ?? nullProto()],
  ]);
}

export function withNames(scope: Vars, extra: Vars): Vars {
  const out = nullProto(Object.entries(scope));
  for (const [k, v] of Object.entries(extra)) out[k] = v;
  return out;
}
