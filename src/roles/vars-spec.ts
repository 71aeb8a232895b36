/** Turns the `variables:` of a role.yaml into VarSpecs, checking each spec for consistency. */
import type { InputIssue } from '../errors.js';
import { checkExpression } from '../expr/index.js';
import type { FieldSpec, VarSpec } from '../model.js';
import type { YamlDoc } from '../yaml/parse.js';
import { FieldSpecSchema, VarSpecSchema, type RawVarSpec } from './schema.js';
import { checkVarValue } from './vars.js';
import { formatType } from '../spec/var-formats.js';

const ENUM_TYPES = new Set(['string', 'integer', 'number']);
const NUMBER_TYPES = new Set(['integer', 'number']);

type Problem = (key: (string | number)[], message: string) => void;

/**
 * Builds the VarSpec of every well-formed variable entry. Entries that fail the schema are
 * skipped here (the schema issues are reported by the caller).
 */
export function buildVarSpecs(raw: unknown, doc: YamlDoc, issues: InputIssue[]): Record<string, VarSpec> {
  const out: Record<string, VarSpec> = Object.create(null);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const secretDefaults = new Set(doc.secretPaths.filter((p) => p[0] === 'variables' && p[2] === 'default').map((p) => String(p[1])));

  for (const [name, entry] of Object.entries(raw)) {
    const parsed = VarSpecSchema.safeParse(entry);
    if (!parsed.success) continue;
    const path = ['variables', name];
    const problem: Problem = (key, message) => issues.push({ location: doc.at([...path, ...key]), path: [...path, ...key], message });
    const spec: VarSpec = { ...buildSpec(parsed.data, problem), location: doc.keyAt(path) };
    if (secretDefaults.has(name)) spec.secret = true;
    if (parsed.data.fields !== undefined) {
      if (spec.type !== 'map' && !(spec.type === 'list' && spec.items === 'map')) problem(['fields'], `"fields" applies to map variables and lists of maps only, and this one is a ${spec.type === 'list' ? `list of ${spec.items ?? 'any'}` : spec.type}`);
      spec.fields = Object.create(null) as Record<string, FieldSpec>;
      for (const [field, rawField] of Object.entries(parsed.data.fields)) {
        const fieldSpec = FieldSpecSchema.safeParse(rawField);
        if (fieldSpec.success) spec.fields[field] = buildSpec(fieldSpec.data, (key, message) => problem(['fields', field, ...key], message));
      }
    }
    checkDefault(spec, problem);
    out[name] = spec;
  }
  return out;
}

/** The common part of a variable and of a map key: type, limits, condition, and their checks. */
function buildSpec(r: Omit<RawVarSpec, 'fields'>, problem: Problem): FieldSpec {
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

  if (spec.items !== undefined && spec.type !== 'list') problem(['items'], `"items" applies to list variables only, and this one is a ${spec.type}`);
  if (spec.format !== undefined) {
    const valueType = spec.type === 'list' ? spec.items : spec.type;
    if (valueType !== formatType(spec.format)) problem(['format'], `Format "${spec.format}" applies to ${formatType(spec.format)} variables (or lists of them), and this one is ${spec.type === 'list' ? `a list of ${spec.items ?? 'any'}` : `${/^[aeiou]/.test(spec.type) ? 'an' : 'a'} ${spec.type}`}`);
  }
  for (const key of ['min', 'max'] as const) {
    if (spec[key] !== undefined && !NUMBER_TYPES.has(spec.type)) problem([key], `"${key}" applies to integer and number variables only, and this one is a ${spec.type}`);
  }
  if (spec.pattern !== undefined) {
    if (spec.type !== 'string') problem(['pattern'], `"pattern" applies to string variables only, and this one is a ${spec.type}`);
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
    if (!ENUM_TYPES.has(spec.type)) problem(['enum'], `"enum" applies to string, integer and number variables only, and this one is a ${spec.type}`);
    else {
      spec.enum.forEach((allowed, i) => {
        const why = checkVarValue({ ...spec, enum: undefined, default: undefined }, allowed);
        if (why) problem(['enum', i], `Allowed value does not match the type: ${why}`);
      });
    }
  }
  return spec;
}

function checkDefault(spec: VarSpec, problem: Problem): void {
  if (spec.required && spec.default !== undefined) problem(['default'], 'A required variable cannot have a default (drop one of them)');
  else if (spec.default !== undefined) {
    const why = checkVarValue(spec, spec.default);
    if (why) problem(['default'], `Default does not match the variable: ${why}`);
  }
  for (const [name, field] of Object.entries(spec.fields ?? {})) {
    if (field.required && field.default !== undefined) problem(['fields', name, 'default'], 'A required key cannot have a default (drop one of them)');
    else if (field.default !== undefined) {
      const why = checkVarValue(field, field.default);
      if (why) problem(['fields', name, 'default'], `Default does not match the key: ${why}`);
    }
  }
}
