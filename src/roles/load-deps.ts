/**
 * Role dependency graph: cycles, run order (dependencies first, each role once), and which
 * handlers a role's tasks may notify (its own and those of the roles it depends on).
 */
import type { InputIssue } from '../errors.js';
import type { HandlerSpec, RoleSpec, TaskSpec } from '../model.js';
import type { YamlDoc } from '../yaml/parse.js';
import { didYouMean } from '../yaml/suggest.js';

export interface RoleNode {
  spec: RoleSpec;
  doc: YamlDoc;
}

/** One issue per dependency cycle, at the `depends` entry that closes it. */
export function findDependencyCycles(roles: ReadonlyMap<string, RoleNode>): InputIssue[] {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const issues: InputIssue[] = [];
  const visit = (name: string): void => {
    const node = roles.get(name);
    if (!node || state.get(name) === 'done') return;
    state.set(name, 'active');
    stack.push(name);
    node.spec.depends.forEach((dep, i) => {
      if (state.get(dep) === 'active') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const path = ['depends', i];
        issues.push({ location: node.doc.at(path), path, message: `Role dependency cycle: ${cycle.join(' -> ')}` });
      } else visit(dep);
    });
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of roles.keys()) visit(name);
  return issues;
}

/** Roles in run order: each role's dependencies before it, every role once. Unknown names are skipped. */
export function expandRoles(names: readonly string[], roles: ReadonlyMap<string, Pick<RoleSpec, 'depends'>>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name); // marked before recursing, so a cycle (already reported) cannot loop forever
    const role = roles.get(name);
    if (!role) return;
    for (const dep of role.depends) visit(dep);
    out.push(name);
  };
  for (const name of names) visit(name);
  return out;
}

/** Names a role's tasks may notify: handler names and `listen` names of the role and its dependencies. */
export function notifiableNames(role: string, roles: ReadonlyMap<string, Pick<RoleSpec, 'depends' | 'handlers'>>): Set<string> {
  const names = new Set<string>();
  for (const r of expandRoles([role], roles)) {
    for (const h of roles.get(r)?.handlers ?? []) {
      names.add(h.name);
      for (const l of h.listen) names.add(l);
    }
  }
  return names;
}

/** Whether a handler answers a `notify` of this name: its own name, or one of its `listen` names. */
export function answersTo(handler: Pick<HandlerSpec, 'name' | 'listen'>, name: string): boolean {
  return handler.name === name || handler.listen.includes(name);
}

/** Where a task's (or handler's) `notify` entry `j` is in its role.yaml: the list item, or the key holding a single name. */
function notifyPath(task: TaskSpec, j: number, doc: YamlDoc): (string | number)[] {
  const at = task.keyPath ?? [task.id.includes('/handlers/') ? 'handlers' : 'tasks', Number(task.id.split('/').pop())];
  const listPath = [...at, 'notify', j];
  return doc.has(listPath) ? listPath : listPath.slice(0, -1);
}

/** A notify naming no handler of the role or of its dependencies is an error. */
export function checkNotify(roles: ReadonlyMap<string, RoleNode>): InputIssue[] {
  const specs = new Map([...roles].map(([n, node]) => [n, node.spec]));
  const issues: InputIssue[] = [];
  for (const [name, { spec, doc }] of roles) {
    const known = notifiableNames(name, specs);
    for (const task of [...spec.tasks, ...spec.handlers]) {
      task.notify.forEach((target, j) => {
        if (known.has(target)) return;
        const path = notifyPath(task, j, doc);
        issues.push({
          location: doc.at(path),
          path,
          message: `No handler "${target}" in role "${name}" or the roles it depends on${didYouMean(target, known)}`,
        });
      });
    }
  }
  return issues;
}

/**
 * Handlers that notify each other in a circle (a handler's `notify` reaching itself through the
 * handlers of its role and the roles it depends on): one issue per circle, at the `notify` entry
 * that closes it. A flush runs each handler once, so a circle has no order to run in.
 */
export function findHandlerCircles(roles: ReadonlyMap<string, RoleNode>): InputIssue[] {
  const specs = new Map([...roles].map(([n, node]) => [n, node.spec]));
  const issues: InputIssue[] = [];
  const reported = new Set<string>();
  for (const name of roles.keys()) {
    const all = expandRoles([name], specs).flatMap((r) => (specs.get(r)?.handlers ?? []).map((h) => ({ role: r, h })));
    const answers = (target: string) => all.filter(({ h }) => answersTo(h, target));
    const state = new Map<string, 'active' | 'done'>();
    const stack: string[] = [];
    const visit = (node: (typeof all)[number]): void => {
      const id = node.h.id;
      if (state.get(id) === 'done') return;
      state.set(id, 'active');
      stack.push(id);
      node.h.notify.forEach((target, j) => {
        for (const next of answers(target)) {
          if (state.get(next.h.id) === 'active') {
            const circle = stack.slice(stack.indexOf(next.h.id));
            const key = [...circle].sort().join(' ');
            if (reported.has(key)) continue;
            reported.add(key);
            const names = [...circle, next.h.id].map((i) => `"${all.find((x) => x.h.id === i)!.h.name}"`);
            const doc = roles.get(node.role)!.doc;
            const path = notifyPath(node.h, j, doc);
            issues.push({ location: doc.at(path), path, message: `Handlers notify each other in a circle: ${names.join(' -> ')} (a flush runs each handler once; break the circle)` });
          } else visit(next);
        }
      });
      stack.pop();
      state.set(id, 'done');
    };
    all.forEach(visit);
  }
  return issues;
}
