/**
 * docs/roles.md lists every variable of the front-tier roles exactly as their role.yaml
 * declares them (type, default, description), in the same table format as the web-stack roles:
 * a changed variable fails here until the docs say the same.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { VarSpec } from '../../src/model.js';
import { loadRoles } from '../../src/roles/load.js';
import { OPS } from '../../src/ops/registry.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ROLES = ['haproxy', 'keepalived', 'cache_warmer'];

function defaultText(spec: VarSpec): string {
  if (spec.required) return 'required';
  if (spec.default === undefined) return '';
  if (typeof spec.default === 'string') return spec.default === '' ? '`""`' : `\`${spec.default}\``;
  return `\`${JSON.stringify(spec.default)}\``;
}

function variableTable(role: string, vars: Record<string, VarSpec>): string {
  const rows = Object.entries(vars).map(([name, spec]) => {
    const type = spec.type + (spec.items ? ` of ${spec.items}` : '') + (spec.enum ? `: ${spec.enum.join(', ')}` : '');
    return `| \`${name}\` | ${type} | ${defaultText(spec)}${spec.secret ? ' (secret)' : ''} | ${spec.description.replaceAll('|', '\\|')} |`;
  });
  return [`#### Variables of \`${role}\``, '', '| Variable | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n');
}

describe('docs/roles.md (front tier)', () => {
  const docs = readFileSync(path.join(root, 'docs/roles.md'), 'utf8');
  it.each(ROLES)('documents the variables of %s as role.yaml declares them', async (name) => {
    const role = (await loadRoles([name], { searchDirs: [path.join(root, 'roles')], knownOps: OPS, cwd: root })).get(name)!;
    expect(Object.keys(role.variables).length).toBeGreaterThan(5);
    const table = variableTable(name, role.variables);
    const start = docs.indexOf(`#### Variables of \`${name}\``);
    expect(start).toBeGreaterThan(0);
    expect(docs.slice(start, start + table.length)).toBe(table);
    expect(docs.slice(start + table.length, start + table.length + 2)).toBe('\n\n');
  });
});
