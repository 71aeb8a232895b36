// Bundles the compiled CLI (dist/cli/main.js and everything it imports, npm packages included)
// into one file, dist/bundle/wpha.cjs (the body of a CommonJS module wrapped in its function), so that starting `wpha` reads one file instead of
// resolving and compiling ~400 modules one by one. bin/wpha compiles it with V8's code cache
// (dist/bundle/wpha.cjs.cache, written by the first run that finds none), which Node 20's ES
// module loader cannot use; modules still initialise lazily (esbuild keeps each one behind its
// own init function), so `wpha apply` runs only what apply imports. bin/wpha uses the bundle
// when it is at least as new as dist/cli/main.js and dist/ otherwise (a `tsc` run after the last
// bundle), so a stale bundle never runs. Figures and what was tried: docs/startup.md.
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from './bundle-options.mjs';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
const t0 = performance.now();
await build({
  ...BUNDLE_OPTIONS,
  entryPoints: [path.join(root, 'dist', 'cli', 'main.js')],
  outfile: path.join(outdir, 'wpha.cjs'),
  // The file is the function bin/wpha compiles (CommonJS's own wrapper), so that bin/wpha reads
  // the source V8 compiles as it is, without building a second 3.7 MB string around it.
  banner: { js: `(function (exports, require, module, __filename, __dirname) {${BUNDLE_OPTIONS.banner.js}` },
  footer: { js: '})' },
});
process.stderr.write(`bundle: dist/bundle/wpha.cjs (${Math.round(performance.now() - t0)} ms)\n`);
