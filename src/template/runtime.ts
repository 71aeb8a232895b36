/**
 * The private Handlebars environment of a renderer (`Handlebars.create()`, never the global):
 * helpers registered, `log` removed, and safe lookups installed.
 *
 * Safe lookups: Handlebars' strict mode checks `name in obj`, which sees prototype names and
 * throws a TypeError (without a position) on null-prototype objects and on numbers. Every
 * compiled template therefore gets our own `strict` lookup (own keys of plain objects and Maps,
 * array indexes, never a prototype) that reports what was missing, where, and what was there;
 * and a `lookupProperty` that reads Maps and treats reads through undefined as undefined (the
 * strict check at the end of the path then reports it). This hooks the runtime's `container`,
 * which Handlebars passes to every compiled template; the tests pin that behaviour.
 */
import Handlebars from 'handlebars';
import { CallError } from '../expr/errors.js';
import { closestName, didYouMean } from '../expr/suggest.js';
import { BLOCKED_KEYS, describeType, lookupKey, truthy } from '../expr/values.js';
import { LocatedFailure, LookupFailure, type HbsLoc } from './errors.js';
import { HELPERS, printable } from './helpers.js';
import { CAPTURE_HELPER, GET_HELPER, PRINT_HELPER } from './prepare.js';

export type Hbs = ReturnType<typeof Handlebars.create>;

/** Where the capture helper leaves a typed value (passed to a render as `data`). */
export interface CaptureBox {
  value?: unknown;
}
export const CAPTURE_DATA_KEY = '__wpha_capture';

interface HelperOptions {
  fn?: (ctx: unknown) => string;
  inverse: (ctx: unknown) => string;
  hash?: Record<string, unknown>;
  data?: Record<string, unknown>;
  loc?: HbsLoc;
}

interface Container {
  strict: (obj: unknown, name: string, loc?: HbsLoc) => unknown;
  lookupProperty: (parent: unknown, name: string) => unknown;
}

export interface Environment {
  hb: Hbs;
  /** Every helper a template may call (built-ins kept, ours, and the internal print/capture). */
  helpers: ReadonlySet<string>;
  compileOptions: CompileOptions;
}

type CompileOptions = NonNullable<Parameters<Hbs['compile']>[1]>;

/** Runtime options of every render: prototype access stays blocked whatever the defaults. */
export function runtimeOptions(box: CaptureBox): Record<string, unknown> {
  return {
    data: { [CAPTURE_DATA_KEY]: box },
    allowProtoPropertiesByDefault: false,
    allowProtoMethodsByDefault: false,
    allowCallsToHelperMissing: false,
  };
}

export function createEnvironment(): Environment {
  const hb = Handlebars.create();
  hb.unregisterHelper('log');
  for (const [name, impl] of Object.entries(HELPERS)) {
    hb.registerHelper(name, (...all: unknown[]) => {
      const options = all.pop() as HelperOptions;
      return guard(name, options, () => impl(all, options.hash ?? {}));
    });
  }
  hb.registerHelper('if', blockHelper('if', false));
  hb.registerHelper('unless', blockHelper('unless', true));
  hb.registerHelper('lookup', (obj: unknown, key: unknown, options: HelperOptions) => {
    key = unboxed(key);
    if (typeof key !== 'string' && typeof key !== 'number') throw new LocatedFailure(`Helper "lookup" needs a string or number key, got ${describeType(key)}`, options?.loc);
    try {
      return strictLookup(obj, String(key), options.loc);
    } catch (e) {
      if (!(e instanceof LookupFailure)) throw e;
      const reason = e.why === 'not-container' ? `Helper "lookup" cannot read "${key}" of ${e.type}` : `Helper "lookup": key "${key}" is not defined${didYouMean(closestName(String(key), e.keys))}`;
      throw new LocatedFailure(reason, options.loc);
    }
  });
  hb.registerHelper(PRINT_HELPER, (value: unknown, options: HelperOptions) => guard('', options, () => printable(value)));
  hb.registerHelper(GET_HELPER, (...all: unknown[]) => {
    const options = all.pop() as HelperOptions;
    return all.slice(1).reduce((value, key) => strictLookup(value, String(key), options.loc), all[0]);
  });
  hb.registerHelper(CAPTURE_HELPER, (value: unknown, options: HelperOptions) => {
    (options.data?.[CAPTURE_DATA_KEY] as CaptureBox).value = value;
    return '';
  });
  installSafeLookups(hb);

  const names = ['if', 'unless', 'each', 'with', 'lookup', ...Object.keys(HELPERS), PRINT_HELPER, CAPTURE_HELPER, GET_HELPER];
  const knownHelpers: Record<string, boolean> = { log: false };
  for (const n of names) knownHelpers[n] = true;
  return {
    hb,
    helpers: new Set(names),
    compileOptions: { strict: true, noEscape: true, knownHelpersOnly: true, knownHelpers: knownHelpers as CompileOptions['knownHelpers'] },
  };
}

function guard(name: string, options: HelperOptions, run: () => unknown): unknown {
  try {
    return run();
  } catch (e) {
    if (e instanceof CallError) throw new LocatedFailure(name ? `Helper "${name}" ${e.message}` : e.message, options.loc);
    throw e;
  }
}

/** `if` / `unless` with the expression language's truthiness (an empty map is false too). */
function blockHelper(name: string, negate: boolean) {
  return function (this: unknown, ...all: unknown[]): string {
    const options = all.pop() as HelperOptions;
    if (all.length !== 1) throw new LocatedFailure(`#${name} takes 1 argument, got ${all.length}`, options.loc);
    if (!options.fn) throw new LocatedFailure(`"${name}" must be used as a block: {{#${name} x}}...{{/${name}}}`, options.loc);
    const context = unboxed(this);
    return truthy(all[0]) !== negate ? options.fn(context) : options.inverse(context);
  };
}

/**
 * The block's context as Handlebars passed it. The CLI runs from a CommonJS bundle, where this
 * module is not in strict mode and a string context (`{{#each list}}{{#if ..}}`) arrives as a
 * String object: `lookup` then refused `this` as a key (keepalived peers on every front).
 */
export function unboxed(value: unknown): unknown {
  return value instanceof String || value instanceof Number || value instanceof Boolean ? value.valueOf() : value;
}

/** Own-key lookup used for every strict read (variables, helper arguments, `lookup`). */
export function strictLookup(obj: unknown, name: string, loc: HbsLoc | undefined): unknown {
  if (obj === undefined) throw new LookupFailure(name, 'undefined-parent', loc);
  if (Array.isArray(obj) && name === 'length') return obj.length;
  const key = Array.isArray(obj) && /^-?\d+$/.test(name) ? Number(name) : name;
  const r = lookupKey(obj, key);
  if (r.found) return r.value;
  if (r.why === 'missing') throw new LookupFailure(name, 'missing', loc, r.keys);
  throw new LookupFailure(name, 'not-container', loc, [], r.why === 'not-container' ? r.type : describeType(obj));
}

function installSafeLookups(hb: Hbs): void {
  const patched = new WeakSet<object>();
  const originalTemplate = hb.template.bind(hb);
  const install = (container: Container): void => {
    if (patched.has(container)) return;
    patched.add(container);
    const original = container.lookupProperty;
    container.lookupProperty = (parent, name) => {
      if (parent === null || parent === undefined) return undefined;
      if (parent instanceof Map) return BLOCKED_KEYS.has(name) ? undefined : parent.get(name);
      return original(parent, name);
    };
    container.strict = strictLookup;
  };
  hb.template = ((spec: Record<string, unknown>) => {
    const main = spec.main as (this: unknown, container: Container, ...rest: unknown[]) => string;
    const wrapped = function (this: unknown, container: Container, ...rest: unknown[]): string {
      install(container);
      return main.call(this, container, ...rest);
    };
    return originalTemplate({ ...spec, main: Object.assign(wrapped, main) } as never);
  }) as Hbs['template'];
}
