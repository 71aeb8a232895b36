/**
 * Task-argument templating. Every string holding `{{` is rendered with the renderer's strict
 * environment. A string that is exactly one expression (`"{{ users }}"`, `"{{ default x 3 }}"`)
 * gives the value with its type, so `loop: "{{ users }}"` is a list and `port: "{{ port }}"`
 * a number. Other values are copied as they are; the input is never modified.
 */
import type { SourceLocation } from '../errors.js';
import type { Scope } from '../expr/evaluate.js';
import { describeType, isPlainMap, preview } from '../expr/values.js';
import { parseOrigin, TemplateError } from './errors.js';

export interface RenderStringOptions {
  /** Where the string is: `roles/nginx/role.yaml:12:5` or a SourceLocation. */
  origin: string | SourceLocation;
  /** Key path of the string inside the task (e.g. ['args', 'name']), shown in messages. */
  path?: (string | number)[];
}

interface ValueRenderer {
  renderValue(source: string, vars: Scope, options: RenderStringOptions): unknown;
}

export function renderArgsWith(r: ValueRenderer, args: unknown, scope: Scope, origin: string | SourceLocation, path: (string | number)[] = []): unknown {
  if (typeof args === 'string') return args.includes('{{') ? detach(r.renderValue(args, scope, { origin, path })) : args;
  if (Array.isArray(args)) return args.map((v, i) => renderArgsWith(r, v, scope, origin, [...path, i]));
  if (isPlainMap(args)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) {
      // defineProperty: a key named "__proto__" stays a plain key, never a prototype.
      Object.defineProperty(out, k, { value: renderArgsWith(r, v, scope, origin, [...path, k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return args;
}

/** A task's `loop:` as a list: a YAML list (items rendered), or a template string giving one. */
export function expandLoopWith(r: ValueRenderer, loop: unknown, scope: Scope, origin: string | SourceLocation): unknown[] {
  const at = parseOrigin(origin);
  if (typeof loop === 'string' && !loop.includes('{{')) {
    throw new TemplateError(at, `loop: expected a list or a "{{ expression }}" giving one, got the string ${preview(loop)}`);
  }
  if (typeof loop !== 'string' && !Array.isArray(loop)) {
    throw new TemplateError(at, `loop: expected a list or a "{{ expression }}" giving one, got ${describeType(loop)}`);
  }
  const value = renderArgsWith(r, loop, scope, at, ['loop']);
  if (!Array.isArray(value)) {
    throw new TemplateError(at, `loop: ${preview(loop)} gave ${describeType(value)} ${preview(value)}, expected a list`);
  }
  return value;
}

/** Values taken from the scope are copied, so changing a rendered arg never changes a variable. */
function detach(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
