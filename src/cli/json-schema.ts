/**
 * JSON Schemas for editors (yaml-language-server) and docs, generated from the zod schemas the
 * loaders validate with, so the two can never drift. Operation arguments come from the op
 * modules' own schemas.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { roleFileSchema, SharedVarsFileSchema, type KnownOps } from '../roles/schema.js';
import { InventoryFileSchema, VarsFileSchema } from '../inventory/schema.js';
import { ScenarioFileSchema } from '../scenario/schema.js';

export const SCHEMA_FILES = {
  inventory: 'inventory.schema.json',
  vars: 'vars.schema.json',
  role: 'role.schema.json',
  shared: 'shared.schema.json',
  scenario: 'scenario.schema.json',
} as const;

function toJson(schema: z.ZodType, title: string): Record<string, unknown> {
  // io: 'input' documents what a user writes; constructs JSON Schema cannot express (refinements,
  // transforms) become unconstrained rather than failing the whole export.
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema: json.$schema, title, ...json };
}

/** File name -> JSON Schema. With `ops` (a map with argument schemas), tasks list each operation's arguments. */
export function jsonSchemas(ops?: KnownOps): Record<string, Record<string, unknown>> {
  return {
    [SCHEMA_FILES.inventory]: toJson(InventoryFileSchema, 'wpha inventory (inventories/<name>/inventory.yaml)'),
    [SCHEMA_FILES.vars]: toJson(VarsFileSchema, 'wpha vars file (group_vars/<group>.yaml, host_vars/<host>.yaml)'),
    [SCHEMA_FILES.role]: toJson(roleFileSchema(ops), 'wpha role (roles/<name>/role.yaml)'),
    [SCHEMA_FILES.shared]: toJson(SharedVarsFileSchema, 'wpha variables shared by the roles of a folder (roles/shared.yaml)'),
    [SCHEMA_FILES.scenario]: toJson(ScenarioFileSchema, 'wpha role test scenario (roles/<name>/tests/<scenario>.yaml)'),
  };
}

export function serializeSchema(schema: Record<string, unknown>): string {
  return JSON.stringify(schema, null, 2) + '\n';
}

/** Writes the schemas into `outDir`; returns the paths written. */
export async function writeJsonSchemas(outDir: string, ops?: KnownOps): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [file, schema] of Object.entries(jsonSchemas(ops))) {
    const target = path.join(outDir, file);
    await writeFile(target, serializeSchema(schema));
    written.push(target);
  }
  return written;
}
