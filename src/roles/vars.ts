/**
 * Role variables: each VarSpec becomes a zod schema; values (role defaults, inventory values)
 * are checked against it. Also: conflicts between roles, defaults for a host, effective vars.
 */
import { z } from 'zod';
import type { InputIssue, SourceLocation } from '../errors.js';
import type { FieldSpec, HostSpec, Inventory, RoleSpec, VarSpec, VarType } from '../model.js';
import { describeType, describeValue, formatLocation } from '../yaml/describe.js';
import { valueAt } from '../yaml/locations.js';
import { quoteList } from '../yaml/suggest.js';
import { propertyIssues, type ValueIssue } from './var-fields.js';
import { checkFormat, type VarFormat } from '../spec/var-formats.js';

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

/** What a string must also match (a format, a pattern): on the value, or on each item of a list. */
interface StringChecks {
  format?: VarFormat;
  pattern?: string;
  patternDescription?: string;
  emptyOk: boolean;
}

function withPattern<T extends z.ZodType>(base: T, c: StringChecks): T | z.ZodType {
  const pattern = c.pattern !== undefined ? safeRegExp(c.pattern) : undefined;
  if (!pattern) return base;
  return base.refine((v) => typeof v !== 'string' || isTemplated(v) || pattern.test(v), { error: `Expected ${c.patternDescription ?? `a string matching /${c.pattern}/`}` });
}

function typeSchema(type: VarType, items: VarType | undefined, c: StringChecks): z.ZodType {
  const expected = { error: `Expected ${describeType(type)}` };
  switch (type) {
    case 'string':
      return withPattern(withFormat(z.string(expected), c.format, c.emptyOk), c);
    case 'integer':
      return withFormat(z.int(expected), c.format, c.emptyOk);
    case 'number':
      return z.number(expected);
    case 'boolean':
      return z.boolean(expected);
    case 'list':
      return z.array(items ? typeSchema(items, undefined, c) : z.unknown(), expected);
    case 'map':
    case 'object':
      return z.record(z.string(), z.unknown(), expected);
    case 'any':
      return z.unknown();
  }
}

type ValueSpec = Pick<VarSpec, 'type' | 'items' | 'enum' | 'pattern' | 'patternDescription' | 'min' | 'max' | 'properties' | 'format' | 'default'>;

/** The zod schema of one variable's value. */
export function varValueSchema(spec: ValueSpec): z.ZodType {
  let schema = typeSchema(spec.type, spec.items, { format: spec.format, pattern: spec.pattern, patternDescription: spec.patternDescription, emptyOk: spec.default === '' });
  const allowed = spec.enum;
  if (allowed) schema = schema.refine((v) => allowed.includes(v as string | number), { error: `Expected one of ${quoteList(allowed)}` });
  const { min, max } = spec;
  if (min !== undefined) schema = schema.refine((v) => typeof v !== 'number' || v >= min, { error: `Expected ${describeType(spec.type)} of at least ${min}` });
  if (max !== undefined) schema = schema.refine((v) => typeof v !== 'number' || v <= max, { error: `Expected ${describeType(spec.type)} of at most ${max}` });
  const properties = spec.properties;
  if (properties) {
    schema = schema.superRefine((v, ctx) => {
      for (const issue of varValueIssues({ type: spec.type, properties }, v)) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
    });
  }
  return schema;
}

/** The whole value must match; an invalid pattern is reported at role load and matches anything here. */
function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return undefined;
  }
}

/**
 * Every problem of `value` against `spec`, each with its path below the variable and a whole
 * message (`expected an integer at item [1], found string "two"`). Templated strings pass:
 * they are checked after rendering.
 */
export function varValueIssues(spec: ValueSpec & { secret?: boolean }, value: unknown, nested = false): ValueIssue[] {
  // A templated string's final value is only known when rendered (a pattern checks that value).
  if (isTemplated(value) && (spec.type !== 'string' || spec.pattern !== undefined)) return [];
  // Keys of objects are checked apart from zod, which skips refinements once an item has the
  // wrong type: every object's problems are reported at once, even next to an item that is not one.
  const { properties, ...plain } = spec;
  const result = varValueSchema(plain).safeParse(value);
  const out: ValueIssue[] = [];
  for (const issue of result.success ? [] : result.error.issues) {
    const path = issue.path as (string | number)[];
    if (isTemplated(valueAt(value, path))) continue;
    // Inside an object the issue's path already names the item (`sites[2].aliases[1]`).
    const at = path.length > 0 && !nested ? ` at item ${path.map((p) => `[${String(p)}]`).join('')}` : '';
    const found = describeValue(valueAt(value, path), { secret: spec.secret });
    const expected = issue.message.startsWith('Expected') ? issue.message : `Expected ${describeType(spec.type)}`;
    // A format's hint ("did you mean ...") is close to the value found: never for a secret.
    const hint = !spec.secret && issue.code === 'custom' && typeof issue.params?.hint === 'string' ? issue.params.hint : '';
    out.push({ path, message: `${lowerFirst(expected)}${at}, found ${found}${hint}` });
  }
  if (properties) {
    const objects: [(string | number)[], unknown][] = spec.type === 'list' && Array.isArray(value) ? value.map((m, i) => [[i], m]) : [[[], value]];
    for (const [at, m] of objects) {
      if (m === null || typeof m !== 'object' || Array.isArray(m)) continue;
      for (const issue of propertyIssues(properties, m as Record<string, unknown>, valueIssues)) out.push({ path: [...at, ...issue.path], message: issue.message });
    }
  }
  return out;
}

/**
 * The values of the keys `spec` marks secret, at any depth of `value` (a remote's secret key in a
 * list of remotes), for the redactor. A secret variable is masked whole elsewhere.
 */
export function secretKeyValues(spec: Pick<FieldSpec, 'type' | 'properties'>, value: unknown): unknown[] {
  if (!spec.properties) return [];
  const out: unknown[] = [];
  for (const obj of spec.type === 'list' && Array.isArray(value) ? value : [value]) {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) continue;
    for (const [key, keySpec] of Object.entries(spec.properties)) {
      const v = (obj as Record<string, unknown>)[key];
      if (v === undefined) continue;
      if (keySpec.secret) out.push(v);
      else out.push(...secretKeyValues(keySpec, v));
    }
  }
  return out;
}

const valueIssues = (spec: ValueSpec & { secret?: boolean }, value: unknown): ValueIssue[] => varValueIssues(spec, value, true);

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
  const first = varValueIssues(spec, value)[0];
  if (!first) return undefined;
  const where = first.path.map((p) => `[${String(p)}]`).join('');
  return first.path.length > 0 && !first.message.includes(' at item ') ? `${first.message} at ${where}` : first.message;
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
