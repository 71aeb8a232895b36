/**
 * The CLI runs from a CommonJS bundle (scripts/bundle.mjs), where the project's modules lose
 * strict mode: a string passed as a block's context (`{{#each peers}}{{#if ...}}`) is boxed into
 * a String object (the bundle's directive once came after its banner). The renderer is bundled here
 * with the CLI's options and must render what it renders
 * from source (keepalived's peer list once failed on every front with the bundle only).
 */
import { describe, it, expect } from 'vitest';
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRenderer } from './index.js';
// @ts-expect-error a plain ES module of the build scripts, without types
import { BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const template = '{{#each peers}}{{#unless (eq this ../me)}}[{{ lookup (lookup ../hostvars this) "address" }}]{{/unless}}{{/each}}';
const vars = () => Object.assign(Object.create(null), { me: 'a', peers: ['a', 'b', 'c'], hostvars: { a: { address: '10.0.0.1' }, b: { address: '10.0.0.2' }, c: { address: '10.0.0.3' } } });

describe('the renderer inside a CommonJS bundle', () => {
  it('renders string contexts of blocks as it does from source', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wpha-bundle-'));
    try {
      const outfile = path.join(dir, 'template.cjs');
      await build({ ...BUNDLE_OPTIONS, entryPoints: [path.join(here, 'index.ts')], outfile, logLevel: 'silent' });
      const bundled = createRequire(import.meta.url)(outfile) as { createRenderer: typeof createRenderer };
      const fromSource = createRenderer({ partialDirs: [] }).renderString(template, vars(), { origin: 't.yaml:1' });
      expect(fromSource).toBe('[10.0.0.2][10.0.0.3]');
      expect(bundled.createRenderer({ partialDirs: [] }).renderString(template, vars(), { origin: 't.yaml:1' })).toBe(fromSource);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
