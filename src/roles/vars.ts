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
import { checkFormat, type VarFormat } from './var-formats.js';

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

/**
 * A format check on a string or integer value. A templated string is checked once rendered, and
 * the empty string passes when the role's own default is empty (it means "none" or "automatic").
 */
function withFormat<T extends z.ZodType>(base: T, format: VarFormat | undefined, emptyOk: boolean): T | z.ZodType {
  if (!format) return base;
  return base.superRefine((v, ctx) => {
    if ((v === '' && emptyOk) || isTemplated(v)) return;
    const why = checkFormat(format, v);
    if (why) ctx.addIssue({ code: 'custom', message: why.expected, params: { hint: why.hint } });
  });
}

function typeSchema(type: VarType, items?: VarType, format?: VarFormat, emptyOk = false): z.ZodType {
  const expected = { error: `Expected ${describeType(type)}` };
  switch (type) {
    case 'string':
      return withFormat(z.string(expected), format, emptyOk);
    case 'integer':
      return withFormat(z.int(expected), format, emptyOk);
    case 'number':
      return z.number(expected);
    case 'boolean':
      return z.boolean(expected);
    case 'list':
      return z.array(items ? typeSchema(items, undefined, format, emptyOk) : z.unknown(), expected);
    case 'map':
      return z.record(z.string(), z.unknown(), expected);
    case 'any':
      return z.unknown();
  }
}

/** The zod schema of one variable's value. */
export function varValueSchema(spec: Pick<VarSpec, 'type' | 'items' | 'enum' | 'format' | 'default'>): z.ZodType {
  const base = typeSchema(spec.type, spec.items, spec.format, spec.default === '');
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
 * Templated strings pass: they are checked after rendering.
 */
export function checkVarValue(spec: VarSpec, value: unknown): string | undefined {
  if (isTemplated(value) && spec.type !== 'string') return undefined;
  const result = varValueSchema(spec).safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  const at = issue.path.length > 0 ? ` at item ${issue.path.map((p) => `[${String(p)}]`).join('')}` : '';
  const found = describeValue(valueAt(value, issue.path as (string | number)[]), { secret: spec.secret });
  const expected = issue.message.startsWith('Expected') ? issue.message : `Expected ${describeType(spec.type)}`;
  // A format's hint ("did you mean ...") is close to the value found: never for a secret.
  const hint = !spec.secret && issue.code === 'custom' && typeof issue.params?.hint === 'string' ? issue.params.hint : '';
  return `${lowerFirst(expected)}${at}, found ${found}${hint}`;
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
