/**
 * The docs list every variable of every shipped role with its type, default and description,
 * exactly as role.yaml declares them, in one page each (docs/roles.md, or the tier's own page such
 * as docs/monitoring.md): a changed variable fails here until the docs say the same
 * (`npm run docs:roles` rewrites the tables; docs and specs kept apart drift).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadRoles } from '../../src/roles/load.js';
import { OPS } from '../../src/ops/registry.js';
import { findVariableTable, variableTable } from '../../src/roles/docs-table.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ROLES = readdirSync(path.join(root, 'roles'))
  .filter((n) => existsSync(path.join(root, 'roles', n, 'role.yaml')))
  .sort();

describe('role variable tables in docs/', () => {
  const pages = readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => readFileSync(path.join(root, 'docs', f), 'utf8'));
  it('covers the shipped roles', () => {
    expect(ROLES).toEqual(expect.arrayContaining(['common', 'php_fpm', 'nginx', 'wordpress', 'redis', 'mariadb', 'haproxy', 'keepalived', 'cache_warmer']));
  });
  it.each(ROLES)('documents the variables of %s as role.yaml declares them', async (name) => {
    const role = (await loadRoles([name], { searchDirs: [path.join(root, 'roles')], knownOps: OPS, cwd: root })).get(name)!;
    expect(Object.keys(role.variables).length).toBeGreaterThan(0);
    const holding = pages.filter((p) => findVariableTable(p, name));
    expect(holding.length, `docs/ should hold one table of ${name}`).toBe(1);
    const docs = holding[0]!;
    const at = findVariableTable(docs, name);
    // The whole table, no row more or less (a variable that went away fails too).
    expect(docs.slice(at!.start, at!.end)).toBe(variableTable(name, role.variables));
  });
});
