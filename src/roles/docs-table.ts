/**
 * The "#### Variables of `<role>`" tables of docs/roles.md, made from what role.yaml declares
 * (type, default, secret, description). `npm run docs:roles` rewrites them; a lab-project test
 * fails while the docs and the role files disagree.
 */
import type { VarSpec } from '../model.js';

function defaultText(spec: VarSpec): string {
  if (spec.required) return 'required';
  if (spec.default === undefined) return '';
  if (typeof spec.default === 'string') return spec.default === '' ? '`""`' : `\`${spec.default}\``;
  return `\`${JSON.stringify(spec.default)}\``;
}

export const tableHeading = (role: string): string => `#### Variables of \`${role}\``;

/** The markdown table of a role's variables, heading included, without a trailing newline. */
export function variableTable(role: string, vars: Record<string, VarSpec>): string {
  const rows = Object.entries(vars).map(([name, spec]) => {
    const type = spec.type + (spec.items ? ` of ${spec.items}` : '') + (spec.format ? ` (${spec.format})` : '') + (spec.enum ? `: ${spec.enum.join(', ')}` : '');
    return `| \`${name}\` | ${type} | ${defaultText(spec)}${spec.secret ? ' (secret)' : ''} | ${spec.description.replaceAll('|', '\\|')} |`;
  });
  return [tableHeading(role), '', '| Variable | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n');
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
