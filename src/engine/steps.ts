/**
 * Turning a task into the steps a host runs: `when` decides, `loop` multiplies, args are
 * rendered (strict templates) and validated by the op's zod schema, then prepared on the
 * controller (role files read, templates rendered, contents hashed).
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { TaskSpec, RoleSpec } from '../model.js';
import type { OpModule, PrepareContext } from '../ops/types.js';
import type { Renderer } from '../template/index.js';
import { resolveInside } from '../template/index.js';
import { evaluateBool } from '../expr/index.js';
import { formatIssue } from '../errors.js';
import { NUL_MESSAGE, nulPaths } from '../roles/load-tasks.js';
import type { Facts } from '../ops/facts.js';
import { withNames, type Vars } from './scope.js';

export interface Step {
  /** Shell-safe id, unique in the host's run: `t<task>` or `t<task>i<item>`. */
  key: string;
  taskIndex: number;
  task: TaskSpec;
  label: string;
  op: OpModule;
  args: unknown;
  resources: string[];
  barrier: boolean;
  /** Scope the step was expanded with (for changed_when / failed_when). */
  scope: Vars;
}

export type Expansion =
  | { kind: 'steps'; steps: Step[] }
  /** quiet: not reported nor registered (a rescue task of a block that did not fail). */
  | { kind: 'skip'; reason: string; quiet?: boolean }
  | { kind: 'error'; message: string };

export interface ExpandContext {
  host: string;
  facts: Facts;
  role: RoleSpec;
  renderer: Renderer;
  ops: ReadonlyMap<string, OpModule>;
}

const origin = (t: TaskSpec) => t.location;
const where = (t: TaskSpec) => `${t.location.file}:${t.location.line}:${t.location.col}`;

export function expandTask(taskIndex: number, task: TaskSpec, scope: Vars, ctx: ExpandContext): Expansion {
  const op = ctx.ops.get(task.op);
  if (!op) return { kind: 'error', message: `${where(task)}: unknown operation "${task.op}"` };
  // Refuse what the engine does not do yet, rather than silently running it on the wrong host or as the wrong user.
  if (task.become === false) return { kind: 'error', message: `${where(task)}: become: false on a task is not supported yet: scripts run as root; use become_user on command or shell` };
  try {
    let items: unknown[] | undefined;
    if (task.loop !== undefined) items = ctx.renderer.expandLoop(task.loop, scope, origin(task));
    const runs =
      items === undefined
        ? [{ scope, label: task.name, key: `t${taskIndex}` }]
        : items.map((item, i) => ({ scope: withNames(scope, { [task.loopVar]: item }), label: `${task.name} (${itemLabel(item)})`, key: `t${taskIndex}i${i}` }));
    const steps: Step[] = [];
    for (const run of runs) {
      if (task.when !== undefined && !evaluateBool(task.when, run.scope, { origin: origin(task) })) continue;
      const rendered = ctx.renderer.renderArgs(task.args, run.scope, origin(task));
      const parsed = op.args.safeParse(rendered);
      const nul = nulPaths(rendered).map((p) => ({ path: p, message: NUL_MESSAGE }));
      if (!parsed.success || nul.length) {
        const msgs = [...nul, ...(parsed.success ? [] : parsed.error.issues)].map((i) =>
          formatIssue({ location: task.location, path: [task.op, ...(i.path as (string | number)[])], message: i.message }),
        );
        return { kind: 'error', message: `Invalid arguments for "${task.op}" in task "${run.label}":\n  ${msgs.join('\n  ')}` };
      }
      const prepared = op.prepare ? op.prepare(parsed.data, prepareContext(ctx, run.scope)) : parsed.data;
      const barrier = typeof op.barrier === 'function' ? op.barrier(prepared) : Boolean(op.barrier);
      steps.push({ key: run.key, taskIndex, task, label: run.label, op, args: prepared, resources: op.resources(prepared), barrier, scope: run.scope });
    }
    if (steps.length === 0) return { kind: 'skip', reason: items?.length === 0 ? 'empty loop' : 'condition is false' };
    return { kind: 'steps', steps };
  } catch (e) {
    return { kind: 'error', message: (e as Error).message };
  }
}

function prepareContext(ctx: ExpandContext, scope: Vars): PrepareContext {
  return {
    host: ctx.host,
    facts: ctx.facts,
    vars: scope,
    readRoleFile: (rel) => readFileSync(resolveInside(path.join(ctx.role.dir, 'files'), rel, 'File path')),
    renderTemplate: (rel, extra) => ctx.renderer.render(resolveInside(path.join(ctx.role.dir, 'templates'), rel), extra ? withNames(scope, extra) : scope),
  };
}

function itemLabel(item: unknown): string {
  if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return String(item);
  // A map item is named by its first identifying key (sites have `id`, files `path`...).
  if (item && typeof item === 'object' && !Array.isArray(item)) {
    for (const k of ['name', 'id', 'domain', 'path', 'dest', 'key']) {
      const v = (item as Record<string, unknown>)[k];
      if (Object.hasOwn(item, k) && (typeof v === 'string' || typeof v === 'number')) return String(v);
    }
  }
  const s = JSON.stringify(item) ?? String(item);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Names of registers a task reads (in when / loop / args) that are not yet known. */
export function pendingRegisters(task: TaskSpec, pending: ReadonlySet<string>): string[] {
  if (pending.size === 0) return [];
  const text = JSON.stringify([task.when ?? '', task.loop ?? null, task.args ?? null]);
  return [...pending].filter((name) => new RegExp(`(^|[^A-Za-z0-9_.])${name.replace(/[^A-Za-z0-9_]/g, '')}([^A-Za-z0-9_]|$)`).test(text));
}

/**
 * A task whose `when` reads no pending register and is false now: it is skipped whatever the
 * registers hold, so it needs no round trip of its own to wait for them (its arguments may read
 * one). Not for a loop, whose `when` is judged per item.
 */
export function skippedBeforeRegisters(task: TaskSpec, scope: Vars, pending: ReadonlySet<string>): boolean {
  if (task.when === undefined || task.loop !== undefined) return false;
  if (pendingRegisters({ ...task, loop: undefined, args: null }, pending).length) return false;
  try {
    return !evaluateBool(task.when, scope, { origin: task.location });
  } catch {
    return false; // reported when the task is expanded
  }
}

/** Two resources overlap when equal, or one is a path inside the other. */
export function resourcesOverlap(a: readonly string[], b: ReadonlySet<string>): boolean {
  for (const x of a) {
    for (const y of b) {
      if (x === y) return true;
      if (x.startsWith('/') && y.startsWith('/') && (x.startsWith(y.endsWith('/') ? y : `${y}/`) || y.startsWith(x.endsWith('/') ? x : `${x}/`))) return true;
    }
  }
  return false;
}
