/**
 * docs/roles.md lists every variable of every shipped role with its type, default and
 * description, exactly as role.yaml declares them: a changed variable fails here until the docs
 * say the same (`npm run docs:roles` rewrites the tables; docs and specs kept apart drift).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadRoles } from '../../src/roles/load.js';
import { OPS } from '../../src/ops/registry.js';
import { findVariableTable, variableTable } from '../../src/roles/docs-table.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ROLES = readdirSync(path.join(root, 'roles')).filter((n) => existsSync(path.join(root, 'roles', n, 'role.yaml'))).sort();

describe('docs/roles.md', () => {
  // A role's table may live in another docs/*.md file that describes it (database.md).
  const docs = readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => readFileSync(path.join(root, 'docs', f), 'utf8')).join('\n\n');
  it('covers the shipped roles', () => {
    expect(ROLES).toEqual(expect.arrayContaining(['common', 'php_fpm', 'nginx', 'wordpress', 'redis', 'mariadb', 'haproxy', 'keepalived', 'cache_warmer']));
  });
  it.each(ROLES)('documents the variables of %s as role.yaml declares them', async (name) => {
    const role = (await loadRoles([name], { searchDirs: [path.join(root, 'roles')], knownOps: OPS, cwd: root })).get(name)!;
    expect(Object.keys(role.variables).length).toBeGreaterThan(0);
    const at = findVariableTable(docs, name);
    expect(at, `docs/*.md have no table of ${name}`).toBeDefined();
    // The whole table, no row more or less (a variable that went away fails too).
    expect(docs.slice(at!.start, at!.end)).toBe(variableTable(name, role.variables));
  });
});
