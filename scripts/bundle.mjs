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
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
asciiOnly(path.join(outdir, 'wpha.cjs'));
process.stderr.write(`bundle: dist/bundle/wpha.cjs (${Math.round(performance.now() - t0)} ms)\n`);

// bin/wpha reads the bundle as Latin-1 when it is pure ASCII: V8 then copies the bytes as they are
// (~4 ms for 3.7 MB) instead of decoding UTF-8 (~10 ms). esbuild already escapes every non-ASCII
// character of the code (its default charset); what is left sits in comments kept from npm
// packages (zod's). Those are replaced with "?" on lines that are comments from their start; any
// other non-ASCII character is left alone, and bin/wpha then reads the file as UTF-8 (correct,
// only slower), which this reports.
function asciiOnly(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  let left = 0;
  const out = lines.map((line) => {
    if (!/[^\x00-\x7f]/.test(line)) return line;
    if (/^\s*(\/\/|\/\*|\*)/.test(line)) return line.replace(/[^\x00-\x7f]/gu, '?');
    left++;
    return line;
  });
  writeFileSync(file, out.join('\n'));
  if (left > 0) process.stderr.write(`bundle: ${left} line(s) of code keep non-ASCII characters: bin/wpha reads the bundle as UTF-8 (slower start)\n`);
}
