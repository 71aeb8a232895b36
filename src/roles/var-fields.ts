/**
 * Objects with typed keys (`properties:` of a role variable) and conditional requirements
 * (`required_when:`). A list of objects such as `wordpress_sites` is then checked item by item at
 * load, down to nested keys, and each problem points at the item's own line: an unknown key (a
 * typo), a wrong type, a key required by another key's value (an S3 remote without its secret key).
 */
import { evaluateBool, ExpressionError, parseExpression } from '../expr/index.js';
import type { FieldSpec } from '../model.js';
import { closestMatch } from '../yaml/suggest.js';

/** One problem found inside a value: the path below the variable, and a whole message. */
export interface ValueIssue {
  path: (string | number)[];
  message: string;
}

/** True when a required value counts as missing: unset, null, or an empty string or list. */
export function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * Evaluates a `required_when` expression. Names the scope lacks read as undefined (so
 * `a == 'x'` is false when `a` is unset) instead of failing: the scope is user data. An
 * expression that cannot be evaluated (a wrong type) is returned as the error, to report.
 */
export function requiredWhen(expression: string, scope: Record<string, unknown>): boolean | ExpressionError {
  try {
    const parsed = parseExpression(expression);
    const full: Record<string, unknown> = Object.create(null);
    for (const name of parsed.names) full[name] = undefined;
    Object.assign(full, scope);
    return evaluateBool(parsed, full);
  } catch (e) {
    // A syntax error is reported where the role declares the expression, once.
    if (e instanceof ExpressionError) return e.kind === 'syntax' ? false : e;
    throw e;
  }
}

/**
 * Checks one object against its properties. `checkField(spec, value)` checks a key's own value
 * (type, enum, min/max, its own properties) and returns the issues below it; it comes from
 * vars.ts to avoid a cycle.
 */
export function propertyIssues(fields: Record<string, FieldSpec>, map: Record<string, unknown>, checkField: (spec: FieldSpec, value: unknown) => ValueIssue[]): ValueIssue[] {
  const issues: ValueIssue[] = [];
  const names = Object.keys(fields);
  for (const key of Object.keys(map)) {
    if (Object.hasOwn(fields, key)) continue;
    const match = closestMatch(key, names);
    issues.push({ path: [key], message: `Unknown key "${key}"${match ? ` (did you mean "${match}"?)` : ''}; allowed keys: ${names.join(', ')}` });
  }
  // The keys' defaults fill in what the object leaves out, so conditions read the effective values.
  const scope: Record<string, unknown> = Object.create(null);
  for (const [name, spec] of Object.entries(fields)) if (spec.default !== undefined) scope[name] = spec.default;
  for (const [name, value] of Object.entries(map)) scope[name] = value;
  for (const [name, spec] of Object.entries(fields)) {
    const value = Object.hasOwn(map, name) ? map[name] : undefined;
    if (value !== undefined) issues.push(...checkField(spec, value).map((i) => ({ path: [name, ...i.path], message: i.message })));
    if (spec.required && value === undefined) issues.push({ path: [], message: `Missing key "${name}" (${spec.description})` });
    else if (spec.requiredWhen && isUnset(value)) {
      const needed = requiredWhen(spec.requiredWhen, scope);
      if (needed instanceof ExpressionError) issues.push({ path: [], message: `Cannot evaluate required_when of key "${name}": ${needed.reason}` });
      else if (needed) issues.push({ path: [], message: `Missing key "${name}", required when ${spec.requiredWhen} (${spec.description})` });
    }
  }
  return issues;
}
