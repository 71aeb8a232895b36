/**
 * Run units: the scenarios that converge together on one set of fresh hosts. A scenario runs
 * alone unless it says `share: true`; shared scenarios with the same host names and no
 * conflicting setting join one unit (one boot, one converge, one idempotence pass, then every
 * scenario's own checks). This keeps CI short where roles layer on the same hosts (common, php_fpm,
 * nginx, wordpress on one web host) without weakening any scenario's checks.
 * Pure: the inventory a unit makes is a plain document (inventory.yaml) for given lab names.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Scenario } from './load.js';
import { substitute } from './load.js';
import type { Check, ScenarioGroup } from './schema.js';

export interface RunUnit {
  scenarios: Scenario[];
  kind: 'lab' | 'render';
  hosts: string[];
  addresses: string[];
  roles: string[];
  groups: Record<string, ScenarioGroup>;
  vars: Record<string, unknown>;
  hostVars: Record<string, Record<string, unknown>>;
}

/** The roles a scenario converges when it names none: its own role. */
function ownRoles(s: Scenario): string[] {
  const groupRoles = Object.values(s.spec.groups ?? {}).some((g) => (g.roles ?? []).length > 0);
  return s.spec.roles ?? (groupRoles ? [] : [s.role]);
}

function unitOf(s: Scenario): RunUnit {
  return {
    scenarios: [s],
    kind: s.kind,
    hosts: [...s.hosts],
    addresses: [...(s.spec.addresses ?? [])],
    roles: ownRoles(s),
    groups: structuredClone(s.spec.groups ?? {}),
    vars: { ...(s.spec.vars ?? {}) },
    hostVars: structuredClone(s.spec.host_vars ?? {}),
  };
}

/** Variables that two levels both set must be equal for the levels to merge. */
function compatibleVars(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  for (const [k, v] of Object.entries(b ?? {})) if (a && k in a && !isDeepStrictEqual(a[k], v)) return false;
  return true;
}

function canJoin(u: RunUnit, s: Scenario): boolean {
  if (u.kind !== 'lab' || s.kind !== 'lab' || !s.spec.share || !u.scenarios.every((x) => x.spec.share)) return false;
  if (u.hosts.length !== s.hosts.length || !s.hosts.every((h) => u.hosts.includes(h))) return false;
  if (!compatibleVars(u.vars, s.spec.vars)) return false;
  for (const [h, vars] of Object.entries(s.spec.host_vars ?? {})) if (!compatibleVars(u.hostVars[h], vars)) return false;
  for (const [g, entry] of Object.entries(s.spec.groups ?? {})) {
    const mine = u.groups[g];
    if (!mine) continue;
    if (!isDeepStrictEqual(mine.hosts ?? [], entry.hosts ?? []) || !isDeepStrictEqual(mine.children ?? [], entry.children ?? [])) return false;
    if (!compatibleVars(mine.vars, entry.vars)) return false;
  }
  return true;
}

const union = (a: string[], b: string[]) => [...a, ...b.filter((x) => !a.includes(x))];

function join(u: RunUnit, s: Scenario): void {
  u.scenarios.push(s);
  u.roles = union(u.roles, ownRoles(s));
  u.addresses = union(u.addresses, s.spec.addresses ?? []);
  Object.assign(u.vars, s.spec.vars ?? {});
  for (const [h, vars] of Object.entries(s.spec.host_vars ?? {})) u.hostVars[h] = { ...u.hostVars[h], ...vars };
  for (const [g, entry] of Object.entries(s.spec.groups ?? {})) {
    const mine = u.groups[g];
    u.groups[g] = mine ? { ...mine, roles: union(mine.roles ?? [], entry.roles ?? []), vars: { ...mine.vars, ...entry.vars } } : structuredClone(entry);
  }
}

/** Scenarios in the order given, grouped into units (a shared scenario joins the first unit it fits). */
export function planUnits(scenarios: readonly Scenario[], opts: { share: boolean } = { share: true }): RunUnit[] {
  const units: RunUnit[] = [];
  for (const s of scenarios) {
    const target = opts.share ? units.find((u) => canJoin(u, s)) : undefined;
    if (target) join(target, s);
    else units.push(unitOf(s));
  }
  return units;
}

export interface UnitNames {
  /** Scenario host -> lab host name (also its inventory name). */
  host: Record<string, string>;
  /** Scenario host or reserved address name -> address. */
  address: Record<string, string>;
  /** Scenario host -> its SSH host keys as known_hosts lines (once booted). */
  knownHosts?: Record<string, string>;
}

/** The inventory.yaml document of a unit, for the lab hosts it got. */
export function unitInventory(u: RunUnit, names: UnitNames): Record<string, unknown> {
  const sub = <T>(v: T): T => substitute(v, names);
  const hosts: Record<string, unknown> = {};
  for (const h of u.hosts) {
    const vars = u.hostVars[h];
    hosts[names.host[h]!] = { address: names.address[h], ...(vars && Object.keys(vars).length ? { vars: sub(vars) } : {}) };
  }
  const groups: Record<string, unknown> = {};
  if (u.roles.length) groups.all = { roles: u.roles };
  for (const [g, entry] of Object.entries(u.groups)) {
    groups[g] = {
      ...(entry.hosts ? { hosts: entry.hosts.map((h) => names.host[h]) } : {}),
      ...(entry.children ? { children: entry.children } : {}),
      ...(g === 'all' ? { roles: union(u.roles, entry.roles ?? []) } : entry.roles ? { roles: entry.roles } : {}),
      ...(entry.vars && Object.keys(entry.vars).length ? { vars: sub(entry.vars) } : {}),
    };
  }
  return { lab: true, hosts, groups, ...(Object.keys(u.vars).length ? { vars: sub(u.vars) } : {}) };
}

/** A scenario's checks with placeholders replaced, each with the lab hosts it runs on. */
export function unitChecks(s: Scenario, u: RunUnit, names: UnitNames): { check: Check; index: number; hosts: string[] }[] {
  return s.spec.verify.map((c, index) => {
    const on = c.on === undefined ? u.hosts : Array.isArray(c.on) ? c.on : [c.on];
    return { check: substitute(c, names), index, hosts: on.map((h) => names.host[h]!) };
  });
}
