/**
 * Builds TaskSpecs and HandlerSpecs from the raw `tasks:` / `handlers:` of a role.yaml.
 * zod checks the keywords; this module checks the single operation key and, when the op's
 * argument schema is known, the arguments that hold no `{{ }}` expression (templated
 * arguments are checked after rendering, when their final value exists).
 */
import type { z } from 'zod';
import type { InputIssue } from '../errors.js';
import type { BlockFrame, HandlerSpec, TaskSpec } from '../model.js';
import { valueAt, type KeyPath } from '../yaml/locations.js';
import type { YamlDoc } from '../yaml/parse.js';
import { didYouMean, quoteList } from '../yaml/suggest.js';
import { zodIssuesToInputIssues } from '../yaml/zod-issues.js';
import { BLOCK_SECTIONS, ENGINE_OPS, HANDLER_KEYWORDS, TASK_KEYWORDS, taskSchema, type KnownOps } from './schema.js';
import { checkBlockEntry, inheritBlock, isBlockEntry, mergeBlockKeywords, retriesFrom, type BlockKeywords } from './load-blocks.js';
import { containsTemplate, isTemplated } from './vars.js';
import { BECOME_USER_OPS } from '../ops/exec-common.js';
import { ansibleKeywordHint } from './ansible-keywords.js';

export interface TaskBuildContext {
  role: string;
  doc: YamlDoc;
  knownOps: KnownOps;
  issues: InputIssue[];
  /** Extra checks of expressions (when, changed_when, templates), plugged in by the engine. */
  validateExpressions?: (task: TaskSpec) => InputIssue[];
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const asExpression = (v: string | boolean | undefined): string | undefined => (v === undefined ? undefined : String(v));

export function buildTasks(raw: unknown, ctx: TaskBuildContext): TaskSpec[] {
  if (!Array.isArray(raw)) return [];
  const out: TaskSpec[] = [];
  raw.forEach((entry, index) => walkTask(entry, ['tasks', index], [], undefined, ctx, out));
  return out;
}

export function buildHandlers(raw: unknown, ctx: TaskBuildContext): HandlerSpec[] {
  if (!Array.isArray(raw)) return [];
  const handlers: HandlerSpec[] = [];
  raw.forEach((entry, index) => {
    const path = ['handlers', index];
    if (isBlockEntry(entry)) return void ctx.issues.push({ location: ctx.doc.at(path), path, message: 'A handler cannot be a block (block, rescue, always): notify several handlers instead' });
    const h = buildTask(entry, path, 'handler', ctx) as HandlerSpec | undefined;
    if (h) handlers.push(h);
  });
  const seen = new Map<string, HandlerSpec>();
  for (const h of handlers) {
    const first = seen.get(h.name);
    if (first) {
      const at = first.location;
      ctx.issues.push({ location: h.location, path: ['handlers', Number(h.id.split('/').pop())], message: `Handler "${h.name}" is already defined at ${at.file}:${at.line}:${at.col}` });
    } else seen.set(h.name, h);
  }
  return handlers;
}

/** A task, or a block flattened into its tasks (each one knowing its blocks and sections). */
function walkTask(entry: unknown, path: KeyPath, frames: BlockFrame[], inherited: BlockKeywords | undefined, ctx: TaskBuildContext, out: TaskSpec[]): void {
  if (!isBlockEntry(entry)) {
    const task = buildTask(entry, path, 'task', ctx, inherited);
    if (!task) return;
    if (frames.length) task.blocks = frames;
    out.push(task);
    return;
  }
  const block = checkBlockEntry(entry, path, ctx);
  if (!block) return;
  const keywords = mergeBlockKeywords(inherited, block.keywords);
  const id = `${ctx.role}/${path.join('.')}`;
  for (const section of BLOCK_SECTIONS) {
    const list = block.sections[section];
    const frame: BlockFrame = { id, section, hasRescue: block.sections.rescue !== undefined };
    list?.forEach((child, j) => walkTask(child, [...path, section, j], [...frames, frame], keywords, ctx, out));
  }
}

/** `inherited`: what the blocks around a task give it (applied here: a task's own `run_once: false` is only seen in its keys). */
function buildTask(entry: unknown, path: KeyPath, kind: 'task' | 'handler', ctx: TaskBuildContext, inherited?: BlockKeywords): TaskSpec | undefined {
  const opKey = findOpKey(entry, path, kind, ctx);
  const parsed = taskSchema(kind).safeParse(entry);
  // Keyword issues were reported with the whole file; a broken task is just not built.
  if (!parsed.success || opKey === undefined) return undefined;
  const r = parsed.data as Record<string, unknown>;
  let args = (entry as Record<string, unknown>)[opKey];
  if (typeof r.become_user === 'string') {
    args = withBecomeUser(opKey, args, r.become_user, path, ctx);
    if (args === undefined) return undefined;
  }
  checkArgs(opKey, args, [...path, opKey], ctx);
  const index = path[path.length - 1];
  const nested = path.length > 2;
  const task: TaskSpec = {
    id: kind === 'handler' ? `${ctx.role}/handlers/${index}` : nested ? `${ctx.role}/${path.slice(1).join('/')}` : `${ctx.role}/${index}`,
    role: ctx.role,
    name: typeof r.name === 'string' ? r.name : opKey,
    op: opKey,
    args,
    loopVar: typeof r.loop_var === 'string' ? r.loop_var : 'item',
    notify: asList(r.notify as string | string[] | undefined),
    tags: asList(r.tags as string | string[] | undefined),
    runOnce: r.run_once === true,
    location: ctx.doc.at(path),
  };
  if (nested) task.keyPath = [...path];
  const when = asExpression(r.when as string | boolean | undefined);
  if (when !== undefined) task.when = when;
  if (r.loop !== undefined) task.loop = r.loop;
  if (typeof r.register === 'string') task.register = r.register;
  const changedWhen = asExpression(r.changed_when as string | boolean | undefined);
  if (changedWhen !== undefined) task.changedWhen = changedWhen;
  const failedWhen = asExpression(r.failed_when as string | boolean | undefined);
  if (failedWhen !== undefined) task.failedWhen = failedWhen;
  if (typeof r.become === 'boolean') task.become = r.become;
  if (typeof r.delegate_to === 'string') task.delegateTo = r.delegate_to;
  if (r.ignore_errors === true) task.ignoreErrors = true;
  if (kind === 'handler') (task as HandlerSpec).listen = asList(r.listen as string | string[] | undefined);
  if (inherited) inheritBlock(task, inherited, r);
  if (task.ignoreErrors && !ignoreErrorsFits(kind, r, path, ctx)) return undefined;
  if (!retriesFrom(r, task, path, ctx)) return undefined;
  if (ctx.validateExpressions) ctx.issues.push(...ctx.validateExpressions(task));
  return task;
}

/**
 * `ignore_errors` goes on from the next task after a failure: a looped task's later items would
 * not run (the round trip stops at the failed one), and a handler's failure ends the flush; both
 * are refused rather than half done. False after reporting.
 */
function ignoreErrorsFits(kind: 'task' | 'handler', r: Record<string, unknown>, path: KeyPath, ctx: TaskBuildContext): boolean {
  // Its own key, or (given by its block) its loop.
  const own = r.ignore_errors === true;
  const at = [...path, own ? 'ignore_errors' : 'loop'];
  const why =
    kind === 'handler'
      ? 'ignore_errors is not taken on a handler (a failed handler ends the flush): use failed_when: false'
      : r.loop !== undefined
        ? `${own ? '' : "the block's "}ignore_errors is not taken on a task with loop (the items after a failed one would not run): use failed_when: false, or one task per item`
        : undefined;
  if (why) ctx.issues.push({ location: ctx.doc.keyAt(at), path: at, message: why });
  return why === undefined;
}

/**
 * A task's `become_user` (Ansible's keyword) is its operation's own `become_user` argument, for
 * the operations that run a program (command, shell); any other operation would run as root
 * anyway, so the keyword is refused there rather than ignored. Undefined after reporting.
 */
function withBecomeUser(op: string, args: unknown, user: string, path: KeyPath, ctx: TaskBuildContext): unknown {
  const at = [...path, 'become_user'];
  const refuse = (message: string) => void ctx.issues.push({ location: ctx.doc.at(at), path: at, message });
  if (!BECOME_USER_OPS.has(op))
    return refuse(`become_user works with ${quoteList([...BECOME_USER_OPS])} (they run a program as that user); "${op}" runs as root: give the files it makes an owner instead`);
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return refuse(`become_user needs "${op}" to be given as a map of arguments`);
  const own = (args as Record<string, unknown>).become_user;
  if (own !== undefined && own !== user) return refuse(`become_user is set twice: "${user}" on the task and "${String(own)}" in "${op}"`);
  return { ...(args as Record<string, unknown>), become_user: user };
}

/** The one operation key of a task, reporting unknown keys, missing and extra operations. */
function findOpKey(entry: unknown, path: KeyPath, kind: 'task' | 'handler', ctx: TaskBuildContext): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const keywords = kind === 'task' ? TASK_KEYWORDS : HANDLER_KEYWORDS;
  const ops: string[] = [];
  let unknown = false;
  for (const key of Object.keys(entry)) {
    if (keywords.has(key)) continue;
    if (ctx.knownOps.has(key) || (kind === 'task' && ENGINE_OPS.has(key))) {
      ops.push(key);
      continue;
    }
    unknown = true;
    const hint = ansibleKeywordHint(key) || didYouMean(key, [...ctx.knownOps.keys(), ...ENGINE_OPS, ...keywords]);
    const keyPath = [...path, key];
    ctx.issues.push({ location: ctx.doc.keyAt(keyPath), path: keyPath, message: `Unknown operation or keyword "${key}"${hint}` });
  }
  if (ops.length > 1) {
    ctx.issues.push({ location: ctx.doc.at(path), path: [...path], message: `A ${kind} runs exactly one operation, found ${ops.length}: ${quoteList(ops)} (split it into several ${kind}s)` });
    return undefined;
  }
  if (ops.length === 0) {
    // An unknown key was most likely the misspelled operation: one message is enough.
    if (!unknown) ctx.issues.push({ location: ctx.doc.at(path), path: [...path], message: `A ${kind} needs one operation key (such as ${opExamples(ctx.knownOps)}), found none` });
    return undefined;
  }
  return ops[0];
}

function opExamples(ops: KnownOps): string {
  const names = [...ops.keys()].sort();
  return names.length === 0 ? '"apt" or "template"' : quoteList(names.slice(0, 4)) + (names.length > 4 ? ', ...' : '');
}

/** Paths (below `value`) of the strings holding a NUL byte: no shell command or config line can carry one. */
export function nulPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return value.includes('\0') ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulPaths(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nulPaths(v, [...path, k]));
  return [];
}

export const NUL_MESSAGE = 'must not contain a NUL byte (no shell command or file line can carry one)';

function checkArgs(op: string, args: unknown, path: KeyPath, ctx: TaskBuildContext): void {
  if (ENGINE_OPS.has(op)) {
    if (args !== true) ctx.issues.push({ location: ctx.doc.at(path), path: [...path], message: `Expected true ("${op}: true")` });
    return;
  }
  for (const sub of nulPaths(args)) ctx.issues.push({ location: ctx.doc.at([...path, ...sub]), path: [...path, ...sub], message: NUL_MESSAGE });
  if (!(ctx.knownOps instanceof Map)) return;
  const schema = (ctx.knownOps as ReadonlyMap<string, { args: z.ZodType }>).get(op)?.args;
  if (!schema) return;
  const result = schema.safeParse(args);
  if (result.success) return;
  const relevant = result.error.issues.filter((issue) => !dependsOnTemplate(args, issue));
  ctx.issues.push(...zodIssuesToInputIssues(relevant, { doc: ctx.doc, schema, basePath: path }));
}

/**
 * True when an argument issue may vanish once templates are rendered: the value at the issue's
 * path (or one of its ancestors) is a `{{ }}` string, or a map/list at that path holds one.
 * Unknown keys and missing keys never depend on templates.
 */
function dependsOnTemplate(args: unknown, issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'unrecognized_keys') return false;
  const path = issue.path as (string | number)[];
  const value = valueAt(args, path);
  if (issue.code === 'invalid_type' && value === undefined) return false;
  for (let n = 0; n <= path.length; n++) if (isTemplated(valueAt(args, path.slice(0, n)))) return true;
  return containsTemplate(value);
}
