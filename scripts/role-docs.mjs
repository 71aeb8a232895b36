#!/usr/bin/env node
// Rewrites the "#### Variables of `<role>`" tables of docs/roles.md (or of the docs/*.md file that
// holds a role's heading, e.g. docs/database.md) from every shipped role's role.yaml
// (npm run docs:roles). The prose around them is yours; the tables are generated.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadRoles } = await import(path.join(root, 'dist/roles/load.js'));
const { OPS } = await import(path.join(root, 'dist/ops/registry.js'));
const { replaceVariableTable, tableHeading, variableTable } = await import(path.join(root, 'dist/roles/docs-table.js'));

const names = readdirSync(path.join(root, 'roles')).filter((n) => existsSync(path.join(root, 'roles', n, 'role.yaml'))).sort();
const roles = await loadRoles(names, { searchDirs: [path.join(root, 'roles')], knownOps: OPS, cwd: root });
const files = readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort();
const texts = new Map(files.map((f) => [f, readFileSync(path.join(root, 'docs', f), 'utf8')]));
const changed = new Set();
for (const name of names) {
  // The file that describes the role; docs/roles.md when none does yet (then the heading is missing: an error).
  const file = files.find((f) => texts.get(f).includes(tableHeading(name))) ?? 'roles.md';
  const next = replaceVariableTable(texts.get(file), name, variableTable(name, roles.get(name).variables));
  if (next !== texts.get(file)) (texts.set(file, next), changed.add(file));
}
for (const f of changed) writeFileSync(path.join(root, 'docs', f), texts.get(f));
console.log(changed.size ? `docs: tables rewritten in ${[...changed].map((f) => `docs/${f}`).join(', ')}` : `docs: the tables of ${names.length} roles are current`);
