/**
 * Task control flow at load time: `block:` entries (with `rescue:` / `always:`) and the
 * `retries:` / `until:` / `delay:` keywords of a task. A block is flattened into its tasks, each
 * one carrying its blocks and sections (TaskSpec.blocks) and the keywords the block gives it
 * (`when`, `tags`, `become`, `delegate_to`, `run_once`, `ignore_errors`), so everything after
 * loading sees a flat list of tasks.
 */
import type { TaskSpec } from '../model.js';
import type { KeyPath } from '../yaml/locations.js';
import type { YamlDoc } from '../yaml/parse.js';
import type { InputIssue } from '../errors.js';
import { quoteList } from '../yaml/suggest.js';
import { BLOCK_KEYWORDS, BLOCK_SECTIONS } from './schema.js';

interface Ctx {
  doc: YamlDoc;
  issues: InputIssue[];
}

/** What a block gives each of its tasks (nested blocks add to their parent's). */
export interface BlockKeywords {
  when: string[];
  tags: string[];
  become?: boolean;
  delegateTo?: string;
  runOnce?: boolean;
  ignoreErrors?: boolean;
}

export interface BlockEntry {
  keywords: BlockKeywords;
  sections: Partial<Record<(typeof BLOCK_SECTIONS)[number], unknown[]>>;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function isBlockEntry(entry: unknown): boolean {
  return isMap(entry) && BLOCK_SECTIONS.some((k) => k in entry);
}

/** The block's sections and keywords, or undefined (issues reported) when it cannot be built. */
export function checkBlockEntry(entry: unknown, path: KeyPath, ctx: Ctx): BlockEntry | undefined {
  const e = entry as Record<string, unknown>;
  const before = ctx.issues.length;
  if (!('block' in e)) {
    const key = 'rescue' in e ? 'rescue' : 'always';
    ctx.issues.push({ location: ctx.doc.keyAt([...path, key]), path: [...path, key], message: `"${key}" needs a "block" in the same entry (the tasks it rescues or follows)` });
  }
  const other = Object.keys(e).filter((k) => !BLOCK_KEYWORDS.has(k) && !(BLOCK_SECTIONS as readonly string[]).includes(k));
  for (const k of other) {
    ctx.issues.push({
      location: ctx.doc.keyAt([...path, k]),
      path: [...path, k],
      message: `A block takes only ${quoteList(['block', 'rescue', 'always', ...BLOCK_KEYWORDS])}, found "${k}" (put operations and their keywords in the block's tasks)`,
    });
  }
  const sections: BlockEntry['sections'] = {};
  for (const k of BLOCK_SECTIONS) {
    if (!(k in e)) continue;
    const list = e[k];
    if (!Array.isArray(list) || list.length === 0) ctx.issues.push({ location: ctx.doc.at([...path, k]), path: [...path, k], message: `Expected a non-empty list of tasks under "${k}"` });
    else sections[k] = list;
  }
  // Keyword types (when, tags, become, delegate_to, run_once, ignore_errors) are checked by the whole-file schema.
  if (ctx.issues.length > before) return undefined;
  const keywords: BlockKeywords = { when: e.when === undefined ? [] : [String(e.when)], tags: e.tags === undefined ? [] : Array.isArray(e.tags) ? e.tags.map(String) : [String(e.tags)] };
  if (typeof e.become === 'boolean') keywords.become = e.become;
  if (typeof e.delegate_to === 'string') keywords.delegateTo = e.delegate_to;
  if (typeof e.run_once === 'boolean') keywords.runOnce = e.run_once;
  if (typeof e.ignore_errors === 'boolean') keywords.ignoreErrors = e.ignore_errors;
  return { keywords, sections };
}

/**
 * An inner block's keywords within an outer one's: whens and tags add up, an inner default
 * (become, delegate_to, run_once, ignore_errors) wins. A BlockKeywords holds a default's key only when it is set.
 */
export function mergeBlockKeywords(outer: BlockKeywords | undefined, inner: BlockKeywords): BlockKeywords {
  if (!outer) return inner;
  return { ...outer, ...inner, when: [...outer.when, ...inner.when], tags: [...new Set([...outer.tags, ...inner.tags])] };
}

/**
 * A block's `when` holds for each of its tasks (ANDed before the task's own); tags add up;
 * become, delegate_to, run_once and ignore_errors are defaults a task's own key overrides (`raw`: the task's
 * keys as written, to tell a task's `run_once: false` from none).
 */
export function inheritBlock(task: TaskSpec, block: BlockKeywords, raw: Record<string, unknown>): void {
  const whens = [...block.when, ...(task.when === undefined ? [] : [task.when])];
  if (whens.length) task.when = whens.length === 1 ? whens[0]! : whens.map((w) => `(${w})`).join(' and ');
  task.tags = [...new Set([...block.tags, ...task.tags])];
  if (task.become === undefined && block.become !== undefined) task.become = block.become;
  if (task.delegateTo === undefined && block.delegateTo !== undefined) task.delegateTo = block.delegateTo;
  if (raw.run_once === undefined && block.runOnce !== undefined) task.runOnce = block.runOnce;
  if (raw.ignore_errors === undefined && block.ignoreErrors === true) task.ignoreErrors = true;
}

/** Reads retries / until / delay into the task; false (issues reported) when they do not go together. */
export function retriesFrom(r: Record<string, unknown>, task: TaskSpec, path: KeyPath, ctx: Ctx): boolean {
  const present = (['until', 'retries', 'delay'] as const).filter((k) => r[k] !== undefined);
  if (present.length === 0) return true;
  const issue = (key: string, message: string) => {
    ctx.issues.push({ location: ctx.doc.keyAt([...path, key]), path: [...path, key], message });
    return false;
  };
  if (r.retries === undefined) return issue(present[0]!, `"${present[0]}" needs "retries" (how many more attempts)`);
  task.retries = r.retries as number;
  if (r.until !== undefined) task.until = String(r.until);
  if (r.delay !== undefined) task.delay = r.delay as number;
  return true;
}
