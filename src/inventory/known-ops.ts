/**
 * The operations the CLI validates tasks against. The engine's registry (src/ops/registry.ts)
 * is the source when it exists; until then (and as a fallback) every module in ops/ whose
 * default export looks like an OpModule (`name`, `args`, `plan`) counts. The loader itself never
 * imports ops: it takes this map as a parameter.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { z } from 'zod';

export type OpArgsMap = Map<string, { args: z.ZodType }>;

interface OpLike {
  name: string;
  args: z.ZodType;
}

const isOpLike = (v: unknown): v is OpLike =>
  v !== null &&
  typeof v === 'object' &&
  typeof (v as OpLike).name === 'string' &&
  typeof (v as { args?: { safeParse?: unknown } }).args?.safeParse === 'function' &&
  typeof (v as { plan?: unknown }).plan === 'function';

/** Collects op modules from whatever shape a registry module exports (a Map, a list or a record of ops). */
export function opsFromModule(mod: Record<string, unknown>): OpArgsMap {
  const out: OpArgsMap = new Map();
  const add = (v: unknown) => {
    if (isOpLike(v)) out.set(v.name, { args: v.args });
  };
  for (const value of Object.values(mod)) {
    if (value instanceof Map) value.forEach(add);
    else if (Array.isArray(value)) value.forEach(add);
    else if (isOpLike(value)) add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(add);
  }
  return out;
}

/**
 * The registry's ops. A literal specifier (not a path computed at run time) so that the CLI's
 * bundle (scripts/bundle.mjs) carries the registry with it; the folder scan is for a tree
 * without a registry (and `dir` for tests).
 */
export async function defaultKnownOps(dir?: string): Promise<OpArgsMap> {
  if (dir === undefined) {
    const fromRegistry = opsFromModule((await import('../ops/registry.js')) as Record<string, unknown>);
    if (fromRegistry.size > 0) return fromRegistry;
  }
  const folder = dir ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'ops');
  const ext = path.extname(fileURLToPath(import.meta.url)); // .js from dist/, .ts under vitest
  const out: OpArgsMap = new Map();
  const files = readdirSync(folder)
    .filter((f) => f.endsWith(ext) && !f.includes('.test.') && !f.endsWith('.d.ts'))
    .sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(folder, file)).href)) as { default?: unknown };
    if (isOpLike(mod.default)) out.set(mod.default.name, { args: mod.default.args });
  }
  return out;
}
