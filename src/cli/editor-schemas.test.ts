/**
 * Editor support: schemas/ is exactly what `wpha schema` writes (byte for byte, so it never lags
 * the zod schemas), and every inventory, vars, role, shared-variables and scenario file of the repository names its
 * schema on its first line with a relative path that resolves from where the file is.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPS } from '../ops/registry.js';
import { projectRoot } from '../paths.js';
import { jsonSchemas, SCHEMA_FILES, serializeSchema } from './json-schema.js';

const root = projectRoot();

/** Files under `dir` (relative to the root), recursively, skipping node_modules and fixtures. */
function walk(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'fixtures' ? [] : walk(rel);
    return [rel];
  });
}

/** The schema a wpha YAML file is validated with, from where it lives; undefined for other YAML. */
function schemaFor(rel: string): string | undefined {
  const parts = rel.split(path.sep);
  const name = parts.at(-1)!;
  if (name === 'inventory.yaml') return SCHEMA_FILES.inventory;
  if (['group_vars', 'host_vars'].includes(parts.at(-2) ?? '') && name.endsWith('.yaml')) return SCHEMA_FILES.vars;
  if (name === 'role.yaml') return SCHEMA_FILES.role;
  if (name === 'shared.yaml' && parts.at(-2) === 'roles') return SCHEMA_FILES.shared;
  if (parts.at(-2) === 'tests' && existsSync(path.join(root, ...parts.slice(0, -2), 'role.yaml'))) return SCHEMA_FILES.scenario;
  return undefined;
}

describe('editor support', () => {
  it('schemas/ holds exactly what `wpha schema` writes, byte for byte', () => {
    const expected = jsonSchemas(OPS);
    expect(readdirSync(path.join(root, 'schemas')).sort()).toEqual(Object.keys(expected).sort());
    for (const [file, schema] of Object.entries(expected)) {
      expect(readFileSync(path.join(root, 'schemas', file), 'utf8'), `schemas/${file} is stale: run \`wpha schema\``).toBe(serializeSchema(schema));
    }
  });

  it('every inventory, vars, role and scenario file names its schema on its first line', () => {
    const files = ['inventories', 'roles', 'bench', 'examples'].flatMap(walk).filter((f) => f.endsWith('.yaml') && schemaFor(f));
    expect(files.length).toBeGreaterThan(50);
    const wrong: string[] = [];
    for (const f of files) {
      const want = path.relative(path.dirname(path.join(root, f)), path.join(root, 'schemas', schemaFor(f)!));
      const first = readFileSync(path.join(root, f), 'utf8').split('\n')[0];
      if (first !== `# yaml-language-server: $schema=${want}`) wrong.push(`${f}: first line is "${first}", expected "# yaml-language-server: $schema=${want}"`);
      else if (!existsSync(path.resolve(path.dirname(path.join(root, f)), want))) wrong.push(`${f}: ${want} does not exist`);
    }
    expect(wrong).toEqual([]);
  });
});
