// esbuild options of the CLI bundle (scripts/bundle.mjs), shared with the unit test that renders
// templates through a bundle made the same way (src/template/bundled.test.ts).
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ssh2's optional native helpers (its crypto binding, cpu-features) are required inside
  // try/catch and not installed here: left as runtime requires, ssh2 uses pure JS without them.
  external: ['*.node', 'cpu-features'],
  // Modules that find their files (projectRoot) from import.meta.url get the bundle's own URL.
  define: { 'import.meta.url': '__wphaModuleUrl' },
  // "use strict" first: the project's modules are ES modules, strict by definition. esbuild
  // writes its own directive after the banner, where it is only a string: the bundle then ran in
  // sloppy mode, which boxes a string block context into a String object (keepalived's peer
  // list failed to render on every front).
  banner: { js: '"use strict";\nvar __wphaModuleUrl = require(\'node:url\').pathToFileURL(__filename).href;' },
  legalComments: 'none',
  logLevel: 'warning',
};
