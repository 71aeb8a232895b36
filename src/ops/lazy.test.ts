import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { OpModule } from './types.js';

// Operations build their zod schemas on first use, not when their module is evaluated (start-up
// time, docs/startup.md). zod is replaced here by a view of itself that notes, while the modules
// of src/ops are being evaluated, every builder reached (`z.object`, `z.string`...) and the line
// that reached it.
const loading = { on: false, seen: [] as string[] };
vi.mock('zod', async (importOriginal) => {
  const real = await importOriginal<typeof import('zod')>();
  const z = new Proxy(real.z, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (loading.on && typeof value === 'function') loading.seen.push(`z.${String(key)} at ${caller()}`);
      return value;
    },
  });
  return { ...real, z };
});

const opsDir = import.meta.dirname;
const root = join(opsDir, '..', '..');

/** Where wpha's code (not this file, not node_modules) built it: the innermost place and the outermost (the module's own line). */
function caller(): string {
  const places = (new Error().stack ?? '')
    .split('\n')
    .slice(1)
    .filter((f) => f.includes(root) && !f.includes('node_modules') && !f.includes(import.meta.filename))
    .map((f) => /\(?(\/[^()]+?):(\d+):\d+\)?$/.exec(f.trim()))
    .flatMap((m) => (m ? [`${relative(root, m[1]!)}:${m[2]}`] : []));
  if (places.length === 0) return 'an unknown place';
  const [inner, outer] = [places[0]!, places.at(-1)!];
  return inner === outer ? inner : `${inner}, from ${outer}`;
}

/** Every module of src/ops (lib included) that is not a test, a fixture or test support. */
function opModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : opModules(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('operation schemas are built lazily', () => {
  it('evaluating the modules of src/ops builds no zod schema', async () => {
    const files = opModules(opsDir);
    expect(files.length).toBeGreaterThan(26);
    vi.resetModules(); // the other test may have loaded them already (tests run shuffled)
    loading.seen = [];
    loading.on = true;
    try {
      for (const file of files) await import(file);
    } finally {
      loading.on = false;
    }
    expect([...new Set(loading.seen)], 'a zod schema is built when the module loads: wrap it in once(() => ...) (src/ops/lib/lazy.ts)').toEqual([]);

    // The watch does see schemas being built: reading the operations' args builds them now.
    const { OPS } = await import('./registry.js');
    loading.on = true;
    try {
      for (const op of OPS.values()) void op.args;
    } finally {
      loading.on = false;
    }
    expect(loading.seen.some((s) => s.startsWith('z.strictObject at src/ops/apt.ts:'))).toBe(true);
  });

  it('every operation has `args` as a getter that returns one schema, built once', async () => {
    const { OPS } = await import('./registry.js');
    const { z } = await import('zod');
    expect(OPS.size).toBeGreaterThanOrEqual(26);
    for (const [name, op] of OPS) {
      const descriptor = Object.getOwnPropertyDescriptor(op, 'args');
      expect(descriptor?.get, `${name}: args is a getter`).toBeTypeOf('function');
      const first = (op as OpModule).args;
      expect(first, `${name}: args is a zod schema`).toBeInstanceOf(z.ZodType);
      expect((op as OpModule).args, `${name}: args is built once`).toBe(first);
    }
  });
});
