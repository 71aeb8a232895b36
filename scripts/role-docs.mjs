#!/usr/bin/env node
// Rewrites the "#### Variables of `<role>`" tables of the docs (docs/roles.md, or a tier's own
// page in docs/) from every shipped role's role.yaml, and the "#### Shared variables" table from
// roles/shared.yaml (npm run docs:roles). The prose around them is yours; the tables are
// generated. Each table stands in exactly one page.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadRoles } = await import(path.join(root, 'dist/roles/load.js'));
const { OPS } = await import(path.join(root, 'dist/ops/registry.js'));
const { findVariableTable, replaceVariableTable, variableTable, sharedVariableTable, SHARED_TABLE, tableHeading } = await import(path.join(root, 'dist/roles/docs-table.js'));
const { SharedVarsCache } = await import(path.join(root, 'dist/roles/shared-vars.js'));

const docsDir = path.join(root, 'docs');
const pages = readdirSync(docsDir)
  .filter((f) => f.endsWith('.md'))
  .sort();
const texts = new Map(pages.map((p) => [p, readFileSync(path.join(docsDir, p), 'utf8')]));
const names = readdirSync(path.join(root, 'roles'))
  .filter((n) => existsSync(path.join(root, 'roles', n, 'role.yaml')))
  .sort();
const roles = await loadRoles(names, { searchDirs: [path.join(root, 'roles')], knownOps: OPS, cwd: root });
const shared = await new SharedVarsCache({ cwd: root }).load(path.join(root, 'roles'));
const tables = names.map((name) => [name, variableTable(name, roles.get(name).variables)]);
if (shared) tables.push([SHARED_TABLE, sharedVariableTable(shared.variables)]);
const changed = new Set();
const problems = [];
for (const [name, table] of tables) {
  const where = pages.filter((p) => findVariableTable(texts.get(p), name));
  if (where.length !== 1) {
    // Every other table is still rewritten; the problems are reported at the end.
    problems.push(`Table "${name}": expected it in one page of docs/, found ${where.length} (${where.join(', ') || 'none'}): add the heading "${tableHeading(name)}" where it is described`);
    continue;
  }
  const page = where[0];
  const next = replaceVariableTable(texts.get(page), name, table);
  if (next !== texts.get(page)) {
    texts.set(page, next);
    changed.add(page);
  }
}
for (const page of changed) writeFileSync(path.join(docsDir, page), texts.get(page));
console.log(changed.size === 0 ? `docs: ${tables.length - problems.length} tables are current` : `docs: tables rewritten in ${[...changed].join(', ')}`);
if (problems.length > 0) {
  for (const p of problems) console.error(`docs: ${p}`);
  process.exitCode = 1;
}
