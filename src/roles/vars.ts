/**
 * Role variables: each VarSpec becomes a zod schema; values (role defaults, inventory values)
 * are checked against it. Also: conflicts between roles, defaults for a host, effective vars.
 */
import { z } from 'zod';
import type { InputIssue, SourceLocation } from '../errors.js';
import type { HostSpec, Inventory, RoleSpec, VarSpec, VarType } from '../model.js';
import { describeType, describeValue, formatLocation } from '../yaml/describe.js';
import { valueAt } from '../yaml/locations.js';
import { quoteList } from '../yaml/suggest.js';

/** A string holding `{{ ... }}` is rendered later; its final type is only known then. */
export function isTemplated(value: unknown): boolean {
  return typeof value === 'string' && value.includes('{{');
}

/** True when `value` or anything inside it is a templated string. */
export function containsTemplate(value: unknown): boolean {
  if (isTemplated(value)) return true;
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsTemplate);
  return false;
}

function typeSchema(type: VarType, items?: VarType): z.ZodType {
  const expected = { error: `Expected ${describeType(type)}` };
  switch (type) {
    case 'string':
      return z.string(expected);
    case 'integer':
      return z.int(expected);
    case 'number':
      return z.number(expected);
    case 'boolean':
      return z.boolean(expected);
    case 'list':
      return z.array(items ? typeSchema(items) : z.unknown(), expected);
    case 'map':
      return z.record(z.string(), z.unknown(), expected);
    case 'any':
      return z.unknown();
  }
}

/** The zod schema of one variable's value. */
export function varValueSchema(spec: Pick<VarSpec, 'type' | 'items' | 'enum' | 'pattern' | 'patternDescription'>): z.ZodType {
  let base = typeSchema(spec.type, spec.items);
  const pattern = spec.pattern;
  if (pattern !== undefined && spec.type === 'string') {
    // The whole value must match, whatever anchors the pattern has.
    const re = new RegExp(`^(?:${pattern})$`, 'u');
    base = base.refine((v) => typeof v === 'string' && re.test(v), { error: `Expected ${spec.patternDescription ?? `a string matching /${pattern}/`}` });
  }
  const allowed = spec.enum;
  if (!allowed) return base;
  return base.refine((v) => allowed.includes(v as string | number), { error: `Expected one of ${quoteList(allowed)}` });
}

/** The zod schema of all variables of a role (required ones must be present). */
export function roleVarsSchema(role: Pick<RoleSpec, 'variables'>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, spec] of Object.entries(role.variables)) {
    const schema = varValueSchema(spec).describe(spec.description);
    shape[name] = spec.required ? schema : schema.optional();
  }
  return z.object(shape);
}

/**
 * Why `value` does not fit `spec` (e.g. `expected an integer, found string "x"`), or undefined.
 * Templated strings pass: their final value is only known when rendered.
 */
export function checkVarValue(spec: VarSpec, value: unknown): string | undefined {
  if (isTemplated(value) && (spec.type !== 'string' || spec.pattern !== undefined)) return undefined;
  const result = varValueSchema(spec).safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  const at = issue.path.length > 0 ? ` at item ${issue.path.map((p) => `[${String(p)}]`).join('')}` : '';
  const found = describeValue(valueAt(value, issue.path as (string | number)[]), { secret: spec.secret });
  const expected = issue.message.startsWith('Expected') ? issue.message : `Expected ${describeType(spec.type)}`;
  return `${lowerFirst(expected)}${at}, found ${found}`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** A variable declared by two roles must have the same type in both. */
export function checkVarConflicts(roles: Iterable<RoleSpec>): InputIssue[] {
  const first = new Map<string, { role: string; spec: VarSpec }>();
  const issues: InputIssue[] = [];
  for (const role of roles) {
    for (const [name, spec] of Object.entries(role.variables)) {
      const seen = first.get(name);
      if (!seen) {
        first.set(name, { role: role.name, spec });
        continue;
      }
      if (seen.spec.type === spec.type && seen.spec.items === spec.items) continue;
      issues.push({
        location: spec.location,
        path: ['variables', name, 'type'],
        message: `Variable "${name}" is declared as ${typeLabel(spec)} here but as ${typeLabel(seen.spec)} by role "${seen.role}"${where(seen.spec.location)}`,
      });
    }
  }
  return issues;
}

const typeLabel = (spec: VarSpec): string => (spec.type === 'list' && spec.items ? `list of ${spec.items}` : spec.type);
const where = (loc?: SourceLocation): string => (loc ? ` (${formatLocation(loc)})` : '');

/**
 * Defaults of the given roles, in role order (a later role's default wins when two roles
 * declare the same variable).
 */
export function roleDefaults(roles: Iterable<RoleSpec>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const role of roles) for (const [name, spec] of Object.entries(role.variables)) if (spec.default !== undefined) out[name] = spec.default;
  return out;
}

/** The vars a host's tasks see: its roles' defaults under the inventory's merged vars. */
export function effectiveVars(inventory: Pick<Inventory, 'roles'>, host: Pick<HostSpec, 'roles' | 'vars'>): Record<string, unknown> {
  const roles = host.roles.map((r) => inventory.roles.get(r)).filter((r): r is RoleSpec => r !== undefined);
  const out = roleDefaults(roles);
  for (const [k, v] of Object.entries(host.vars)) out[k] = v;
  return out;
}
