/**
 * docs/roles.md lists every variable of every shipped web-stack role with its type, default and
 * description, exactly as role.yaml declares them: a changed variable fails here until the docs
 * say the same (docs and specs kept apart drift).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { VarSpec } from '../../src/model.js';
import { loadRoles } from '../../src/roles/load.js';
import { OPS } from '../../src/ops/registry.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ROLES = ['common', 'php_fpm', 'nginx', 'wordpress', 'redis', 'mariadb'];

function defaultText(spec: VarSpec): string {
  if (spec.required) return 'required';
  if (spec.default === undefined) return '';
  if (typeof spec.default === 'string') return spec.default === '' ? '`""`' : `\`${spec.default}\``;
  return `\`${JSON.stringify(spec.default)}\``;
}

/** The table the docs must hold for a role (the format of docs/roles.md). */
function variableTable(role: string, vars: Record<string, VarSpec>): string {
  const rows = Object.entries(vars).map(([name, spec]) => {
    const type = spec.type + (spec.items ? ` of ${spec.items}` : '') + (spec.enum ? `: ${spec.enum.join(', ')}` : '');
    return `| \`${name}\` | ${type} | ${defaultText(spec)}${spec.secret ? ' (secret)' : ''} | ${spec.description.replaceAll('|', '\\|')} |`;
  });
  return [`#### Variables of \`${role}\``, '', '| Variable | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n');
}

describe('docs/roles.md', () => {
  const docs = readFileSync(path.join(root, 'docs/roles.md'), 'utf8');
  it.each(ROLES)('documents the variables of %s as role.yaml declares them', async (name) => {
    const roles = await loadRoles([name], { searchDirs: [path.join(root, 'roles')], knownOps: OPS, cwd: root });
    const role = roles.get(name)!;
    expect(Object.keys(role.variables).length).toBeGreaterThan(0);
    const table = variableTable(name, role.variables);
    const start = docs.indexOf(`#### Variables of \`${name}\``);
    expect(start).toBeGreaterThan(0);
    expect(docs.slice(start, start + table.length)).toBe(table);
    // ...and no row of a variable that no longer exists after it.
    expect(docs.slice(start + table.length, start + table.length + 2)).toBe('\n\n');
  });
});
