#!/usr/bin/env node
// Rewrites the "#### Variables of `<role>`" tables of docs/roles.md from every shipped role's
// role.yaml (npm run docs:roles). The prose around them is yours; the tables are generated.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadRoles } = await import(path.join(root, 'dist/roles/load.js'));
const { OPS } = await import(path.join(root, 'dist/ops/registry.js'));
const { replaceVariableTable, variableTable } = await import(path.join(root, 'dist/roles/docs-table.js'));

const docsPath = path.join(root, 'docs/roles.md');
const names = readdirSync(path.join(root, 'roles')).filter((n) => existsSync(path.join(root, 'roles', n, 'role.yaml'))).sort();
const roles = await loadRoles(names, { searchDirs: [path.join(root, 'roles')], knownOps: OPS, cwd: root });
const before = readFileSync(docsPath, 'utf8');
let docs = before;
for (const name of names) docs = replaceVariableTable(docs, name, variableTable(name, roles.get(name).variables));
if (docs === before) {
  console.log(`docs/roles.md: the tables of ${names.length} roles are current`);
} else {
  writeFileSync(docsPath, docs);
  console.log(`docs/roles.md: tables rewritten (${names.join(', ')})`);
}
