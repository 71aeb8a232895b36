/**
 * The "#### Variables of `<role>`" tables of the docs (docs/roles.md, or a tier's own page such
 * as docs/monitoring.md), made from what role.yaml declares (type, default, secret, vault,
 * pattern, description). `npm run docs:roles` rewrites them; a test fails while the docs and the
 * role files disagree.
 */
import type { FieldSpec, VarSpec } from '../model.js';

function defaultText(spec: FieldSpec): string {
  if (spec.required) return 'required';
  if (spec.requiredWhen) return `required when \`${spec.requiredWhen}\``;
  if (spec.default === undefined) return '';
  if (typeof spec.default === 'string') return spec.default === '' ? '`""`' : `\`${spec.default}\``;
  return `\`${JSON.stringify(spec.default)}\``;
}

function typeText(spec: FieldSpec): string {
  const range = spec.min !== undefined && spec.max !== undefined ? ` ${spec.min}..${spec.max}` : spec.min !== undefined ? ` >= ${spec.min}` : spec.max !== undefined ? ` <= ${spec.max}` : '';
  return spec.type + (spec.items ? ` of ${spec.items}` : '') + (spec.format ? ` (${spec.format})` : '') + range + (spec.enum ? `: ${spec.enum.join(', ')}` : '');
}

function row(name: string, spec: FieldSpec): string {
  const secret = spec.vault ? ' (secret, from the vault)' : spec.secret ? ' (secret)' : '';
  const pattern = spec.pattern === undefined ? '' : ` Must be ${spec.patternDescription ?? `a string matching \`/${spec.pattern}/\``}.`;
  return `| \`${name}\` | ${typeText(spec)} | ${defaultText(spec)}${secret} | ${(spec.description + pattern).replaceAll('|', '\\|')} |`;
}

export const tableHeading = (role: string): string => (role === SHARED_TABLE ? '#### Shared variables' : `#### Variables of \`${role}\``);

/** A variable's row, then a row per key of its objects (`name[].key`, nested `name[].key.sub`). */
function rows(name: string, spec: FieldSpec): string[] {
  const prefix = spec.type === 'list' ? `${name}[].` : `${name}.`;
  return [row(name, spec), ...Object.entries(spec.properties ?? {}).flatMap(([key, k]) => rows(prefix + key, k))];
}

/** A variable declared once for the role set: one row naming it, its keys in the shared table. */
function sharedRow(name: string, spec: VarSpec): string {
  return `| \`${name}\` | ${typeText(spec)} | ${defaultText(spec)}${spec.secret ? ' (secret)' : ''} | Shared by several roles: see [shared variables](roles.md#shared-variables). |`;
}

/** The markdown table of a role's variables, heading included, without a trailing newline. An object's keys follow it as `name[].key` rows. */
export function variableTable(role: string, vars: Record<string, VarSpec>): string {
  const body = Object.entries(vars).flatMap(([name, spec]) => (spec.shared ? [sharedRow(name, spec)] : rows(name, spec)));
  return [tableHeading(role), '', '| Variable | Type | Default | Description |', '|---|---|---|---|', ...body].join('\n');
}

/**
 * Where the table of roles/shared.yaml stands (docs/roles.md): the role argument of
 * findVariableTable/replaceVariableTable that names it. Not a role name (those have no space).
 */
export const SHARED_TABLE = 'shared variables';

/** The table of roles/shared.yaml's variables, every key of their objects included. */
export function sharedVariableTable(vars: Record<string, VarSpec>): string {
  const body = Object.entries(vars).flatMap(([name, spec]) => rows(name, spec));
  return [tableHeading(SHARED_TABLE), '', '| Variable | Type | Default | Description |', '|---|---|---|---|', ...body].join('\n');
}

/** Where a role's table stands in the docs: from its heading to the end of its last row. */
export function findVariableTable(docs: string, role: string): { start: number; end: number } | undefined {
  const start = docs.indexOf(tableHeading(role));
  if (start < 0) return undefined;
  const lines = docs.slice(start).split('\n');
  let length = lines[0]!.length;
  let i = 1;
  while (i < lines.length && lines[i] === '') length += 1 + lines[i++]!.length;
  while (i < lines.length && lines[i]!.startsWith('|')) length += 1 + lines[i++]!.length;
  return { start, end: start + length };
}

/** The docs with a role's table replaced by `table`; an error when the docs have no table for it. */
export function replaceVariableTable(docs: string, role: string, table: string): string {
  const at = findVariableTable(docs, role);
  if (!at) throw new Error(`docs have no "${tableHeading(role)}" section: add the heading where the role is described`);
  return docs.slice(0, at.start) + table + docs.slice(at.end);
}
