/**
 * The CLI runs from a bundle compiled with V8's code cache (bin/wpha). Node 20 loses the dynamic
 * import callback of a script compiled from that cache, so an `import()` of a module the bundle
 * leaves outside (Node's built-in modules) fails there with ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING
 * on every run but the first. Built-in modules are imported statically instead.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('the bundled CLI', () => {
  it('never imports a built-in module dynamically', () => {
    const offenders = sourceFiles(src).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${path.relative(src, f)}:${i + 1}` }))
        .filter(({ line }) => /\bimport\(\s*['"]node:/.test(line))
        .map(({ at }) => at),
    );
    expect(offenders).toEqual([]);
  });
});
