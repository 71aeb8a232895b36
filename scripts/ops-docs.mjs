#!/usr/bin/env node
// Writes docs/operations.md, the operation reference, from every operation's argument schema
// (npm run docs:ops). src/ops/reference.test.ts fails when the committed page is stale.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { OPS } = await import(path.join(root, 'dist/ops/registry.js'));
const { operationReference } = await import(path.join(root, 'dist/ops/reference.js'));
const file = path.join(root, 'docs', 'operations.md');
const next = operationReference(OPS.values());
const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
if (next === before) console.log(`docs: docs/operations.md is current (${OPS.size} operations)`);
else {
  writeFileSync(file, next);
  console.log(`docs: docs/operations.md rewritten (${OPS.size} operations)`);
}
