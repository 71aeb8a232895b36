/**
 * Maps zod issues onto YAML source locations and rewrites them as "expected X, found Y"
 * messages, with "did you mean" hints for unknown keys and enum values.
 *
 * Schemas may carry their own messages (`z.string({ error: 'Expected a host name' })`); those
 * are kept and completed with what was found. zod's generic messages are rewritten.
 */
import type { z } from 'zod';
import type { InputIssue } from '../errors.js';
import { describeType, describeValue } from './describe.js';
import { valueAt, type KeyPath } from './locations.js';
import type { YamlDoc } from './parse.js';
import { didYouMean, quoteList } from './suggest.js';

type ZodIssue = z.core.$ZodIssue;

export interface ZodIssueContext {
  doc: Pick<YamlDoc, 'value' | 'at' | 'keyAt'>;
  /** The schema that produced the issues (to list allowed keys). */
  schema: z.ZodType;
  /** Where the validated value sits inside `doc` (issue paths are relative to it). */
  basePath?: KeyPath;
  /** True for paths whose values must not be printed. */
  isSecret?: (path: KeyPath) => boolean;
}

export function zodIssuesToInputIssues(issues: readonly ZodIssue[], ctx: ZodIssueContext): InputIssue[] {
  return issues.flatMap((issue) => convert(issue, ctx));
}

function convert(issue: ZodIssue, ctx: ZodIssueContext): InputIssue[] {
  const rel = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const path = [...(ctx.basePath ?? []), ...rel];
  const value = valueAt(ctx.doc.value, path);
  const found = describeValue(value, { secret: ctx.isSecret?.(path) ?? false });
  const own = isCustomMessage(issue.message) ? issue.message : undefined;

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schemaAt(ctx.schema, rel));
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        const hint = didYouMean(key, allowed);
        const rest = hint || (allowed.length > 0 ? `; expected one of: ${allowed.join(', ')}` : '');
        return { location: ctx.doc.keyAt(keyPath), path: keyPath, message: `Unknown key "${key}"${rest}` };
      });
    }
    case 'invalid_type':
      if (value === undefined && rel.length > 0) {
        return [{ location: ctx.doc.at(path), path, message: `Missing required key "${String(rel[rel.length - 1])}"` }];
      }
      return [{ location: ctx.doc.at(path), path, message: `${own ?? `Expected ${describeType(issue.expected)}`}, found ${found}` }];
    case 'invalid_value': {
      const allowed = issue.values.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
      const hint = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : '';
      const expected = own ?? (allowed.length === 1 ? `Expected ${quoteList(allowed)}` : `Expected one of ${quoteList(allowed)}`);
      return [{ location: ctx.doc.at(path), path, message: `${expected}, found ${found}${hint}` }];
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      const message = inner && isCustomMessage(inner.message) ? inner.message : 'Invalid key';
      const key = String(rel[rel.length - 1]);
      return [{ location: ctx.doc.keyAt(path), path, message: `${message}, found "${key}"` }];
    }
    case 'invalid_union':
      return [{ location: ctx.doc.at(path), path, message: `${own ?? 'Unexpected value'}, found ${found}` }];
    default:
      return [{ location: ctx.doc.at(path), path, message: `${own ?? capitalize(issue.message)}, found ${found}` }];
  }
}

/** zod's default messages start like this; anything else was written in a schema. */
function isCustomMessage(message: string): boolean {
  return !/^(Invalid input|Invalid option|Invalid key|Invalid element|Invalid value|Unrecognized key|Too (big|small)|Invalid (string|number))/.test(message);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface ZodDefLike {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): ZodDefLike => (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;

/** Unwraps optional/default/pipe/lazy wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(s);
    const next = def.innerType ?? def.in ?? def.getter?.();
    if (!next || !['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch', 'pipe', 'lazy'].includes(def.type)) return s;
    s = next;
  }
  return s;
}

/** The sub-schema that validates the value at `path` (best effort: unions pick their first map option). */
export function schemaAt(schema: z.ZodType, path: KeyPath): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const seg of path) {
    if (!cur) return undefined;
    const s = unwrapUnion(unwrap(cur), typeof seg === 'number' ? 'array' : 'object');
    const def = defOf(s);
    if (def.type === 'object') cur = def.shape?.[String(seg)];
    else if (def.type === 'record') cur = def.valueType;
    else if (def.type === 'array') cur = def.element;
    else return undefined;
  }
  return cur && unwrapUnion(unwrap(cur), 'object');
}

function unwrapUnion(schema: z.ZodType, want: 'array' | 'object'): z.ZodType {
  const def = defOf(schema);
  if (def.type !== 'union' || !def.options) return schema;
  const match = def.options.map(unwrap).find((o) => {
    const t = defOf(o).type;
    return want === 'array' ? t === 'array' : t === 'object' || t === 'record';
  });
  return match ?? schema;
}

/** Keys a map schema declares (empty for records and non-maps). */
export function allowedKeys(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
