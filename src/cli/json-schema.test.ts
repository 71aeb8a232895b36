import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';
import { testOps } from '../roles/fixtures/known-ops.js';
import { jsonSchemas, SCHEMA_FILES, serializeSchema } from './json-schema.js';

type Json = Record<string, unknown>;

/** Paths of object properties that have no description (walks properties, items, unions, records). */
function undescribed(schema: Json, at = '$'): string[] {
  const out: string[] = [];
  const props = (schema.properties ?? {}) as Record<string, Json>;
  for (const [key, sub] of Object.entries(props)) {
    const p = `${at}.${key}`;
    if (typeof sub.description !== 'string' || sub.description === '') out.push(p);
    out.push(...undescribed(sub, p));
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const sub = schema[key];
    if (sub && typeof sub === 'object') out.push(...undescribed(sub as Json, `${at}[${key}]`));
  }
  for (const key of ['anyOf', 'oneOf'] as const) for (const sub of (schema[key] ?? []) as Json[]) out.push(...undescribed(sub, at));
  return out;
}

/** The schema of a task in role.yaml: tasks are recursive (blocks hold tasks), so it lives in $defs. */
function taskItem(role: Json): Json {
  const items = (role.properties as Record<string, Json>).tasks!.items as Json;
  const ref = items.$ref as string | undefined;
  return ref ? ((role.$defs as Record<string, Json>)[ref.replace('#/$defs/', '')] as Json) : items;
}

describe('JSON Schemas', () => {
  const schemas = jsonSchemas(testOps);

  it('describe every field of inventory.yaml, vars files and role.yaml', () => {
    expect(undescribed(schemas[SCHEMA_FILES.inventory]!)).toEqual([]);
    expect(undescribed(schemas[SCHEMA_FILES.vars]!)).toEqual([]);
    // Operation arguments are described by the op modules; here the test ops are bare.
    const role = structuredClone(schemas[SCHEMA_FILES.role]!) as Json;
    const stripOps = (task: Json) => {
      for (const op of testOps.keys()) delete (task.properties as Json)[op];
    };
    const props = role.properties as Record<string, Json>;
    stripOps(taskItem(role));
    stripOps(props.handlers!.items as Json);
    expect(undescribed(role)).toEqual([]);
    expect(undescribed(taskItem(role))).toEqual([]);
  });

  it('lists each known operation as a task property, with its argument schema', () => {
    const task = taskItem(schemas[SCHEMA_FILES.role]!).properties as Record<string, Json>;
    expect(Object.keys(task)).toEqual(expect.arrayContaining(['name', 'when', 'notify', 'flush_handlers', 'apt', 'template', 'until', 'retries', 'delay']));
    expect(task.apt!.required).toEqual(['name']);
  });

  it('a task may be a block: block, rescue and always are lists of tasks (the same schema, by reference)', () => {
    const role = schemas[SCHEMA_FILES.role]!;
    const items = (role.properties as Record<string, Json>).tasks!.items as Json;
    const task = taskItem(role).properties as Record<string, Json>;
    for (const section of ['block', 'rescue', 'always']) expect((task[section]!.items as Json).$ref).toBe(items.$ref);
    const handler = ((role.properties as Record<string, Json>).handlers!.items as Json).properties as Record<string, Json>;
    expect(handler.block).toBeUndefined();
  });

  it('the committed inventory and vars schemas are up to date (run `wpha schema`)', () => {
    const dir = path.join(projectRoot(), 'schemas');
    for (const file of [SCHEMA_FILES.inventory, SCHEMA_FILES.vars]) {
      expect(readFileSync(path.join(dir, file), 'utf8')).toBe(serializeSchema(schemas[file]!));
    }
    const role = JSON.parse(readFileSync(path.join(dir, SCHEMA_FILES.role), 'utf8')) as Json;
    expect(Object.keys(role.properties as Json)).toEqual(['description', 'depends', 'uses', 'ports', 'checks', 'variables', 'tasks', 'handlers']);
  });
});
