/**
 * The variables a Handlebars template (or a templated task argument) reads from the host's
 * scope, with where. Only references to the top of the scope count: inside `{{#each}}` and
 * `{{#with}}` a bare name is a key of the item (unless it climbs out with `../` or `@root`), and
 * block parameters (`as |site|`) and helpers are not variables. Partials are named so the caller
 * can follow them.
 */
import Handlebars from 'handlebars';
import { HELPERS } from '../template/helpers.js';

export interface Ref {
  name: string;
  line: number;
  col: number;
  /** Read through `default` (or `lookup`): an undefined value is allowed there. */
  guarded?: boolean;
}

export interface PartialUse {
  name: string;
  /** `{{> name key=value}}`: names the partial sees besides the scope. */
  keys: string[];
}

export interface TemplateRefs {
  refs: Ref[];
  partials: PartialUse[];
  /** String keys read with `lookup` (e.g. another host's variable through hostvars). */
  lookups: string[];
  /** Every name of every path (`this.keepalived_vips` too): what an item or another host may read. */
  keys: string[];
}

type HbsNode = { type: string; loc?: { start: { line: number; column: number } }; [k: string]: unknown };
type PathNode = HbsNode & { data: boolean; depth: number; parts: string[]; original: string; head?: { name?: string } };

const BUILTIN_HELPERS = new Set(['if', 'unless', 'each', 'with', 'lookup', 'log', 'blockHelperMissing', 'helperMissing']);
const CONTEXT_BLOCKS = new Set(['each', 'with']);
const INLINE_DEPTH = 1000;
const isHelper = (name: string) => BUILTIN_HELPERS.has(name) || Object.hasOwn(HELPERS, name);

/** Refs of a template text; throws Handlebars' parse error for broken syntax. */
export function templateRefs(text: string, opts: { lineOffset?: number; colOffset?: number } = {}): TemplateRefs {
  const refs: Ref[] = [];
  const partials: PartialUse[] = [];
  const lookups: string[] = [];
  const keys: string[] = [];
  const at = (n: HbsNode) => ({ line: (n.loc?.start.line ?? 1) + (opts.lineOffset ?? 0), col: (n.loc?.start.column ?? 0) + 1 + ((n.loc?.start.line ?? 1) === 1 ? (opts.colOffset ?? 0) : 0) });

  /** `depth`: how many context-changing blocks enclose the node; `params`: block parameter names in scope. */
  const path = (p: PathNode, depth: number, params: ReadonlySet<string>, guarded = false) => {
    keys.push(...p.parts);
    const head = p.parts[0];
    if (head === undefined) return; // `this`, `.`
    const push = (name: string) => refs.push({ name, ...at(p), ...(guarded ? { guarded } : {}) });
    if (p.data) {
      if (head === 'root' && p.parts[1] !== undefined) push(p.parts[1]);
      return;
    }
    if (p.depth === 0 && params.has(head)) return;
    if (p.original.startsWith('this.') || p.original.startsWith('./')) {
      if (depth === 0) push(head);
      return;
    }
    if (p.depth === depth) push(head);
  };
  const expr = (n: HbsNode | undefined, depth: number, params: ReadonlySet<string>, guarded = false) => {
    if (!n) return;
    if (n.type === 'PathExpression') path(n as PathNode, depth, params, guarded);
    else if (n.type === 'SubExpression') call(n, depth, params);
  };
  const call = (n: HbsNode, depth: number, params: ReadonlySet<string>) => {
    const p = n.path as PathNode;
    const args = (n.params as HbsNode[]) ?? [];
    const hash = ((n.hash as { pairs?: { value: HbsNode }[] } | undefined)?.pairs ?? []).map((x) => x.value);
    // `{{name}}` alone is a variable unless it names a helper; with arguments it is a helper call.
    if (p.type === 'PathExpression' && args.length === 0 && hash.length === 0 && !isHelper(p.original)) path(p, depth, params);
    // `default x y` accepts an undefined x (src/template/prepare.ts).
    if (p.original === 'lookup' && args[1]?.type === 'StringLiteral') lookups.push(String((args[1] as { value?: unknown }).value));
    args.forEach((a, i) => expr(a, depth, params, p.original === 'default' && i === 0));
    for (const a of hash) expr(a, depth, params);
  };
  const program = (prog: HbsNode | undefined, depth: number, params: ReadonlySet<string>) => {
    for (const n of (prog?.body as HbsNode[]) ?? []) {
      if (n.type === 'MustacheStatement') call(n, depth, params);
      else if (n.type === 'BlockStatement') {
        const name = (n.path as PathNode).original;
        for (const a of [...((n.params as HbsNode[]) ?? []), ...((n.hash as { pairs?: { value: HbsNode }[] } | undefined)?.pairs ?? []).map((x) => x.value)]) expr(a, depth, params);
        const inner = n.program as HbsNode & { blockParams?: string[] };
        const own = new Set([...params, ...(inner?.blockParams ?? [])]);
        program(inner, CONTEXT_BLOCKS.has(name) ? depth + 1 : depth, own);
        program(n.inverse as HbsNode | undefined, depth, params);
      } else if (n.type === 'DecoratorBlock') {
        // An inline partial (`{{#*inline "name"}}`) runs wherever it is included, in that place's
        // context: only what reaches the top explicitly (@root) is surely a variable.
        program(n.program as HbsNode, INLINE_DEPTH, params);
      } else if (n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') {
        const nm = n.name as PathNode;
        const pairs = (n.hash as { pairs?: { key: string; value: HbsNode }[] } | undefined)?.pairs ?? [];
        if (nm.type === 'PathExpression') partials.push({ name: nm.original, keys: pairs.map((x) => x.key) });
        for (const x of pairs) expr(x.value, depth, params);
        for (const a of (n.params as HbsNode[]) ?? []) expr(a, depth, params);
      }
    }
  };
  program(Handlebars.parse(text) as unknown as HbsNode, 0, new Set());
  return { refs, partials, lookups, keys };
}

/** Refs inside every string of a task's arguments (`{{ var }}` interpolations). */
export function argRefs(value: unknown): string[] {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return [];
    try {
      return templateRefs(value).refs.map((r) => r.name);
    } catch {
      return [];
    }
  }
  if (Array.isArray(value)) return value.flatMap(argRefs);
  if (value && typeof value === 'object') return Object.values(value).flatMap(argRefs);
  return [];
}
