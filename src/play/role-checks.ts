/**
 * Role checks (role.yaml `checks:`): rules over a host's variables that types alone cannot say,
 * such as "an S3 endpoint needs its secret key" or "every sync job names a known remote". They
 * run while the inventory loads, so a host that breaks one is refused before any host is
 * contacted, and the error points where the inventory set the variable the check names.
 */
import type { InputIssue, SourceLocation } from '../errors.js';
import { checkExpression, evaluate, ExpressionError, truthy } from '../expr/index.js';
import type { CheckSpec, RoleSpec } from '../model.js';
import { containsTemplate, roleDefaults } from '../roles/vars.js';
import type { VarLayer } from '../inventory/var-layers.js';

export interface HostChecks {
  host: string;
  hostLocation: SourceLocation;
  groups: readonly string[];
  /** Every group of the inventory -> its hosts (children included), and where it is declared. */
  inventoryGroups?: ReadonlyMap<string, { hosts: readonly string[]; location?: SourceLocation }>;
  /** The host's roles, in run order. */
  roles: readonly RoleSpec[];
  /** Winning entry per var after precedence. */
  merged: VarLayer;
  /** Every host -> its variables (role defaults, then the inventory's), `address` and `inventory_hostname`. */
  hostvars?: Readonly<Record<string, Record<string, unknown>>>;
}

/** What checks see of every host as `hostvars` (rules that compare hosts, e.g. one primary per group). */
export function checkHostvars(checks: readonly HostChecks[], hosts: ReadonlyMap<string, { address: string }>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = Object.create(null);
  for (const c of checks) {
    const v: Record<string, unknown> = Object.assign(Object.create(null), roleDefaults(c.roles));
    for (const [name, entry] of c.merged) v[name] = entry.value;
    v.address = hosts.get(c.host)?.address;
    v.inventory_hostname = c.host;
    out[c.host] = v;
  }
  return out;
}

export function checkRoleRules(c: HostChecks): InputIssue[] {
  const scope: Record<string, unknown> = Object.assign(Object.create(null), roleDefaults(c.roles));
  for (const [name, entry] of c.merged) scope[name] = entry.value;
  scope.inventory_hostname = c.host;
  scope.group_names = [...c.groups];
  // Rules about a cluster's shape ("three nodes or two and an arbitrator") read group sizes.
  scope.role_names = c.roles.map((r) => r.name);
  scope.groups = Object.assign(Object.create(null), Object.fromEntries([...(c.inventoryGroups ?? [])].map(([g, v]) => [g, [...v.hosts]])));
  scope.hostvars = c.hostvars ?? Object.create(null);
  const issues: InputIssue[] = [];
  for (const role of c.roles) for (const check of role.checks ?? []) issues.push(...runCheck(check, role.name, scope, c));
  return issues;
}

function runCheck(check: CheckSpec, role: string, scope: Record<string, unknown>, c: HostChecks): InputIssue[] {
  // A value still holding `{{ }}` is only known once rendered: such a check waits for the run.
  // An expression that does not parse was reported when the role loaded.
  const parsed = [check.that, check.loop ?? 'true'].map((src) => checkExpression(src));
  if (parsed.some((r) => !r.ok)) return [];
  if (parsed.flatMap((r) => (r.ok ? r.names : [])).some((n) => containsTemplate(scope[n]))) return [];
  // `sub`: the item of a looped check inside the named variable (its own line when known).
  const fail = (message: string, sub: (string | number)[] = []): InputIssue => {
    const entry = check.var !== undefined ? c.merged.get(check.var) : undefined;
    if (entry) {
      if (sub.length > 0 && entry.locate && check.loop === check.var) return { location: entry.locate(sub), path: [...entry.path, ...sub], message };
      return { location: entry.location, path: entry.path, message };
    }
    // A variable left at its default that names a group: the problem is that group's definition.
    const named = check.var !== undefined ? scope[check.var] : undefined;
    const group = typeof named === 'string' ? c.inventoryGroups?.get(named) : undefined;
    if (group?.location) return { location: group.location, path: ['groups', named as string], message: `Group "${named as string}": ${message}` };
    return { location: c.hostLocation, path: ['hosts', c.host], message: `Host "${c.host}": ${message}` };
  };
  const broken = (e: unknown): InputIssue => ({
    location: check.location,
    path: ['checks', check.index],
    message: `Check of role "${role}" cannot be evaluated for host "${c.host}": ${e instanceof ExpressionError ? e.message : String(e)}`,
  });
  try {
    if (check.loop === undefined) return truthy(evaluate(check.that, scope)) ? [] : [fail(`${check.message} (role "${role}")`)];
    const looped = evaluate(check.loop, scope);
    const items = loopItems(looped);
    if (items === undefined) return [broken(`"${check.loop}" gives neither a list nor a map`)];
    const issues: InputIssue[] = [];
    items.forEach((item, i) => {
      const sub = Array.isArray(looped) ? [i] : [(item as { key: string }).key];
      if (!truthy(evaluate(check.that, { ...scope, item }))) issues.push(fail(`${itemLabel(item, i)}: ${check.message} (role "${role}")`, sub));
    });
    return issues;
  } catch (e) {
    return [broken(e)];
  }
}

/** A list as it is; a map as its {key, value} pairs; nothing set: no items. */
function loopItems(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') return Object.entries(v).map(([key, value]) => ({ key, value }));
  return undefined;
}

/** How an item is named in a message: its name, id or key (never a whole value, which may be secret). */
function itemLabel(item: unknown, i: number): string {
  if (item !== null && typeof item === 'object') {
    for (const k of ['name', 'id', 'key']) {
      const v = (item as Record<string, unknown>)[k];
      if (typeof v === 'string' || typeof v === 'number') return `Item "${String(v)}"`;
    }
  }
  return `Item [${i}]`;
}
