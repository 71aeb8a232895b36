/** Turns the `variables:` of a role.yaml into VarSpecs, checking each spec for consistency. */
import type { InputIssue } from '../errors.js';
import type { VarSpec } from '../model.js';
import type { YamlDoc } from '../yaml/parse.js';
import { VarSpecSchema } from './schema.js';
import { checkVarValue } from './vars.js';
import { formatType } from './var-formats.js';

const ENUM_TYPES = new Set(['string', 'integer', 'number']);

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
    const r = parsed.data;
    const path = ['variables', name];
    const spec: VarSpec = {
      type: r.type,
      description: r.description,
      required: r.required ?? false,
      secret: (r.secret ?? false) || secretDefaults.has(name),
      location: doc.keyAt(path),
    };
    if (r.items !== undefined) spec.items = r.items;
    if (r.format !== undefined) spec.format = r.format;
    if (r.enum !== undefined) spec.enum = r.enum;
    if (r.default !== undefined) spec.default = r.default;

    const problem = (key: string, message: string) => issues.push({ location: doc.at([...path, key]), path: [...path, key], message });
    if (spec.items !== undefined && spec.type !== 'list') problem('items', `"items" applies to list variables only, and this one is a ${spec.type}`);
    if (spec.enum !== undefined) {
      if (!ENUM_TYPES.has(spec.type)) problem('enum', `"enum" applies to string, integer and number variables only, and this one is a ${spec.type}`);
      else {
        spec.enum.forEach((allowed, i) => {
          const why = checkVarValue({ ...spec, enum: undefined, default: undefined }, allowed);
          if (why) issues.push({ location: doc.at([...path, 'enum', i]), path: [...path, 'enum', i], message: `Allowed value does not match the type: ${why}` });
        });
      }
    }
    if (spec.format !== undefined) {
      const valueType = spec.type === 'list' ? spec.items : spec.type;
      if (valueType !== formatType(spec.format)) problem('format', `Format "${spec.format}" applies to ${formatType(spec.format)} variables (or lists of them), and this one is ${spec.type === 'list' ? `a list of ${spec.items ?? 'any'}` : `${/^[aeiou]/.test(spec.type) ? 'an' : 'a'} ${spec.type}`}`);
    }
    if (spec.required && spec.default !== undefined) problem('default', 'A required variable cannot have a default (drop one of them)');
    else if (spec.default !== undefined) {
      const why = checkVarValue(spec, spec.default);
      if (why) problem('default', `Default does not match the variable: ${why}`);
    }
    out[name] = spec;
  }
  return out;
}
