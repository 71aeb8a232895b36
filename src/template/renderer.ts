/**
 * createRenderer: a strict Handlebars renderer for one set of partial folders (normally one per
 * role: the project's templates/partials plus the role's templates/partials).
 *
 *   render(path, vars)                   a template file (compiled once per path)
 *   renderString(src, vars, { origin })  a template string from a role file (compiled once per string)
 *   renderArgs(args, scope, origin)      a task's raw args, every `{{` string rendered
 *   expandLoop(loop, scope, origin)      a task's `loop:` as a list
 *
 * Undefined variables are errors naming the file and line:col; output is not HTML-escaped.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { ExitCode, WphaError, type SourceLocation } from '../errors.js';
import type { Scope } from '../expr/evaluate.js';
import { expandLoopWith, renderArgsWith, type RenderStringOptions } from './args.js';
import { parseOrigin, TemplateError } from './errors.js';
import { findPartials } from './partials.js';
import { createEnvironment } from './runtime.js';
import { compileUnit, toTemplateError, type Unit } from './unit.js';

export interface RendererOptions {
  /** Folders whose `*.hbs` files become partials, by file name; later folders win. */
  partialDirs: readonly string[];
  /** Show file paths in messages relative to this folder (e.g. the project root). */
  displayRoot?: string;
}

export interface Renderer {
  render(templatePath: string, vars: Scope): string;
  renderString(source: string, vars: Scope, options: RenderStringOptions): string;
  /** Like renderString, but a string that is exactly one `{{ expression }}` gives the value with its type. */
  renderValue(source: string, vars: Scope, options: RenderStringOptions): unknown;
  renderArgs(args: unknown, scope: Scope, origin: string | SourceLocation): unknown;
  expandLoop(loop: unknown, scope: Scope, origin: string | SourceLocation): unknown[];
  /** Load-time check of a template file (syntax, helpers, partials, forbidden names) without rendering. */
  checkTemplate(templatePath: string): void;
  /** Load-time check of a template string from a role file. */
  checkString(source: string, options: RenderStringOptions): void;
  /** Registered partial names (sorted). */
  readonly partialNames: readonly string[];
}

/** Templates are configuration files: a bigger one is a mistake (or an attempt to exhaust memory). */
export const MAX_TEMPLATE_BYTES = 4 * 1024 * 1024;

/** Distinct template strings kept compiled; cleared wholesale when full. */
const STRING_CACHE_LIMIT = 5000;

export function createRenderer(options: RendererOptions): Renderer {
  const display = (file: string): string => (options.displayRoot ? relative(options.displayRoot, file) || file : file);
  const env = createEnvironment();
  const partialFiles = findPartials(options.partialDirs, display);
  const partialNames = new Set(partialFiles.keys());
  const fileUnits = new Map<string, Unit>();
  const stringUnits = new Map<string, Unit>();

  const fileUnit = (file: string): Unit => {
    let unit = fileUnits.get(file);
    if (!unit) {
      let source: string;
      try {
        const size = statSync(file).size;
        if (size > MAX_TEMPLATE_BYTES) throw new TemplateError({ file: display(file), line: 1, col: 1 }, `Template is ${size} bytes, more than the ${MAX_TEMPLATE_BYTES} bytes allowed`);
        source = readFileSync(file, 'utf8');
      } catch (e) {
        if (e instanceof TemplateError) throw e;
        throw new TemplateError({ file: display(file), line: 1, col: 1 }, `Cannot read the template: ${(e as Error).message}`);
      }
      try {
        unit = compileUnit(env, source, partialNames, false);
      } catch (e) {
        throw toTemplateError(e, source, { kind: 'file', file: display(file) });
      }
      fileUnits.set(file, unit);
    }
    return unit;
  };

  for (const [name, file] of partialFiles) {
    env.hb.registerPartial(name, ((context: unknown, hbOptions: unknown) => {
      const unit = fileUnit(file);
      try {
        return unit.runPartial(context, hbOptions);
      } catch (e) {
        throw toTemplateError(e, unit.source, { kind: 'file', file: display(file) });
      }
    }) as never);
  }

  const stringUnit = (source: string, capture: boolean): Unit => {
    const key = `${capture ? 'v' : 's'}:${source}`;
    let unit = stringUnits.get(key);
    if (!unit) {
      unit = compileUnit(env, source, partialNames, capture);
      if (stringUnits.size >= STRING_CACHE_LIMIT) stringUnits.clear();
      stringUnits.set(key, unit);
    }
    return unit;
  };

  const runString = (source: string, vars: Scope, opts: RenderStringOptions, capture: boolean): unknown => {
    try {
      return stringUnit(source, capture).run(vars).value;
    } catch (e) {
      throw toTemplateError(e, source, { kind: 'string', origin: parseOrigin(opts.origin), path: opts.path });
    }
  };

  const renderer: Renderer = {
    partialNames: [...partialNames].sort(),
    render(templatePath, vars) {
      const file = resolve(templatePath);
      const unit = fileUnit(file);
      try {
        return unit.run(vars).text;
      } catch (e) {
        throw toTemplateError(e, unit.source, { kind: 'file', file: display(file) });
      }
    },
    renderString: (source, vars, opts) => runString(source, vars, opts, false) as string,
    renderValue: (source, vars, opts) => runString(source, vars, opts, true),
    renderArgs: (args, scope, origin) => renderArgsWith(renderer, args, scope, origin),
    checkTemplate(templatePath) {
      fileUnit(resolve(templatePath));
    },
    checkString(source, opts) {
      try {
        stringUnit(source, true);
      } catch (e) {
        throw toTemplateError(e, source, { kind: 'string', origin: parseOrigin(opts.origin), path: opts.path });
      }
    },
    expandLoop: (loop, scope, origin) => expandLoopWith(renderer, loop, scope, origin),
  };
  return renderer;
}

/**
 * Join `relPath` under `root`, refusing anything that ends up outside it (`../x`, absolute
 * paths). For the engine's `renderTemplate(relPath)` of a role's templates folder.
 */
export function resolveInside(root: string, relPath: string, what = 'Template path'): string {
  const base = resolve(root);
  const full = resolve(base, relPath);
  if (full === base || !full.startsWith(base + sep)) throw new WphaError(`${what} "${relPath}" is outside the folder "${root}"`, ExitCode.input);
  // A symbolic link inside the folder must not lead out of it either (files/key -> ~/.ssh/id_rsa).
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return full; // missing: the read reports it
  }
  const realBase = realpathSync(base);
  if (real !== realBase && real.startsWith(realBase + sep)) return full;
  throw new WphaError(`${what} "${relPath}" leads outside the folder "${root}" through a symbolic link (to "${real}")`, ExitCode.input);
}
