/**
 * Turns the `variables:` of a role.yaml (or of the role set's shared.yaml) into VarSpecs,
 * checking each spec for consistency, down through the `properties` of object variables.
 */
import type { InputIssue } from '../errors.js';
import { checkExpression } from '../expr/index.js';
import type { FieldSpec, VarSpec } from '../model.js';
import type { KeyPath } from '../yaml/locations.js';
import type { YamlDoc } from '../yaml/parse.js';
import { VarSpecSchema, type RawVarSpec } from './schema.js';
import { checkVarValue } from './vars.js';
import { formatType } from '../spec/var-formats.js';

const ENUM_TYPES = new Set(['string', 'integer', 'number']);
const NUMBER_TYPES = new Set(['integer', 'number']);

type Problem = (key: (string | number)[], message: string) => void;

/**
 * Builds the VarSpec of every well-formed variable entry under `base` (`variables`). Entries
 * that fail the schema are skipped here (the schema issues are reported by the caller).
 */
export function buildVarSpecs(raw: unknown, doc: YamlDoc, issues: InputIssue[], base: KeyPath = ['variables']): Record<string, VarSpec> {
  const out: Record<string, VarSpec> = Object.create(null);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const at = base.length;
  const secretDefaults = new Set(doc.secretPaths.filter((p) => base.every((k, i) => p[i] === k) && p[at + 1] === 'default' && p.length === at + 2).map((p) => String(p[at])));

  for (const [name, entry] of Object.entries(raw)) {
    const parsed = VarSpecSchema.safeParse(entry);
    if (!parsed.success) continue;
    const path = [...base, name];
    const problem: Problem = (key, message) => issues.push({ location: doc.at([...path, ...key]), path: [...path, ...key], message });
    const spec: VarSpec = { ...buildSpec(parsed.data, problem), location: doc.keyAt(path) };
    if (secretDefaults.has(name)) spec.secret = true;
    checkDefaults(spec, problem, 'variable');
    out[name] = spec;
  }
  return out;
}

/** What a type reads as in messages: `a string`, `a list of object`. */
function typeWords(spec: Pick<FieldSpec, 'type' | 'items'>): string {
  if (spec.type === 'list') return `a list of ${spec.items ?? 'any'}`;
  return `${/^[aeiou]/.test(spec.type) ? 'an' : 'a'} ${spec.type}`;
}

/** The common part of a variable and of an object's key: type, limits, condition, keys, and their checks. */
function buildSpec(r: RawVarSpec, problem: Problem): FieldSpec {
  const spec: FieldSpec = { type: r.type, description: r.description, required: r.required ?? false, secret: (r.secret ?? false) || (r.vault ?? false) };
  if (r.vault) spec.vault = true;
  if (r.pattern_description !== undefined) spec.patternDescription = r.pattern_description;
  if (r.items !== undefined) spec.items = r.items;
  if (r.format !== undefined) spec.format = r.format;
  if (r.enum !== undefined) spec.enum = r.enum;
  if (r.default !== undefined) spec.default = r.default;
  if (r.pattern !== undefined) spec.pattern = r.pattern;
  if (r.min !== undefined) spec.min = r.min;
  if (r.max !== undefined) spec.max = r.max;
  if (r.required_when !== undefined) spec.requiredWhen = r.required_when;

  if (spec.items !== undefined && spec.type !== 'list') problem(['items'], `"items" applies to list variables only, and this one is ${typeWords(spec)}`);
  checkKeys(r, spec, problem);
  if (spec.format !== undefined) {
    const valueType = spec.type === 'list' ? spec.items : spec.type;
    if (valueType !== formatType(spec.format)) problem(['format'], `Format "${spec.format}" applies to ${formatType(spec.format)} variables (or lists of them), and this one is ${typeWords(spec)}`);
  }
  for (const key of ['min', 'max'] as const) {
    if (spec[key] !== undefined && !NUMBER_TYPES.has(spec.type)) problem([key], `"${key}" applies to integer and number variables only, and this one is ${typeWords(spec)}`);
  }
  if (spec.pattern !== undefined) {
    if (spec.type !== 'string' && !(spec.type === 'list' && spec.items === 'string'))
      problem(['pattern'], `"pattern" applies to strings and lists of strings only, and this one is ${typeWords(spec)}`);
    try {
      new RegExp(spec.pattern, 'u');
    } catch (e) {
      problem(['pattern'], `Invalid regular expression ${JSON.stringify(spec.pattern)}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
  }
  if (r.pattern_description !== undefined && r.pattern === undefined) problem(['pattern_description'], '"pattern_description" needs a "pattern"');
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) problem(['max'], `"max" (${spec.max}) is below "min" (${spec.min})`);
  if (spec.requiredWhen !== undefined) {
    const check = checkExpression(spec.requiredWhen);
    if (!check.ok) problem(['required_when'], `invalid expression: ${check.message}`);
    if (spec.required) problem(['required_when'], 'A required variable is always required: drop "required" or "required_when"');
  }
  if (spec.enum !== undefined) {
    if (!ENUM_TYPES.has(spec.type)) problem(['enum'], `"enum" applies to string, integer and number variables only, and this one is ${typeWords(spec)}`);
    else {
      spec.enum.forEach((allowed, i) => {
        const why = checkVarValue({ ...spec, enum: undefined, default: undefined }, allowed);
        if (why) problem(['enum', i], `Allowed value does not match the type: ${why}`);
      });
    }
  }
  return spec;
}

/**
 * `properties` go with `type: object` or `items: object`, and those need them: a map's keys are
 * free (a password by site id), an object's are declared (a site). One spelling for each.
 */
function checkKeys(r: RawVarSpec, spec: FieldSpec, problem: Problem): void {
  const objects = spec.type === 'object' || (spec.type === 'list' && spec.items === 'object');
  if (r.properties === undefined) {
    if (spec.type === 'object') problem(['type'], 'Type object needs "properties" (the keys it may hold, each typed); a map with free keys is type map');
    else if (objects) problem(['items'], 'A list of objects needs "properties" (the keys each item may hold, each typed); items with free keys are items: map');
    return;
  }
  if (!objects) {
    const hint = spec.type === 'map' || spec.items === 'map' ? ` (declared keys make it ${spec.type === 'map' ? 'type: object' : 'items: object'}; a map's keys are free)` : '';
    problem(['properties'], `"properties" applies to type object and to lists with items: object, and this one is ${typeWords(spec)}${hint}`);
  }
  spec.properties = Object.create(null) as Record<string, FieldSpec>;
  for (const [key, raw] of Object.entries(r.properties)) spec.properties[key] = buildSpec(raw, (k, message) => problem(['properties', key, ...k], message));
}

/** Every default (the variable's, and its keys' at any depth) must be allowed by its own spec. */
function checkDefaults(spec: FieldSpec, problem: Problem, what: 'variable' | 'key'): void {
  if (spec.required && spec.default !== undefined) problem(['default'], `A required ${what} cannot have a default (drop one of them)`);
  else if (spec.default !== undefined) {
    const why = checkVarValue(spec, spec.default);
    if (why) problem(['default'], `Default does not match the ${what}: ${why}`);
  }
  for (const [name, key] of Object.entries(spec.properties ?? {})) checkDefaults(key, (k, message) => problem(['properties', name, ...k], message), 'key');
}

/** The former spelling of typed keys (`fields:`) gets one issue saying what replaced it. */
export function renamedSpecKeys(issues: InputIssue[]): InputIssue[] {
  return issues.map((issue) =>
    issue.path.at(-1) === 'fields' && issue.message.startsWith('Unknown key "fields"')
      ? { ...issue, message: '"fields" is now "properties", on type object (a map with declared keys) or on a list with items: object: rename "fields" to "properties" and "map" to "object"' }
      : issue,
  );
}
