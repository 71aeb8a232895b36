/**
 * Load-time checks of what the tasks will render or read on the controller, so that a broken or
 * hostile template is refused before any host is contacted (without them, the error surfaced
 * only when the task was expanded: after connecting, and possibly after earlier tasks changed
 * the host):
 *  - every `{{ }}` string in task arguments and loops compiles: syntax, known helpers, no
 *    prototype names (`constructor`, `__proto__`), partials named by file name only;
 *  - every role file a task names literally stays inside its folder (symlinks resolved), exists,
 *    and, for templates, compiles (size limit, partials that exist, no `{{> ../x}}`);
 *  - every partial file of the roles in use compiles.
 * Templated paths (`src: "{{ x }}"`) are checked when the task is expanded, before any change.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { InputIssue } from '../errors.js';
import type { Inventory, RoleSpec, TaskSpec } from '../model.js';
import { projectRoot } from '../paths.js';
import { createRenderer, resolveInside, type Renderer } from '../template/index.js';

/** Partial folders of a run: the project's, the inventory's, then each role's (a later one wins). */
export function partialDirs(inv: RolesOf): string[] {
  const dirs = [path.join(projectRoot(), 'templates', 'partials'), path.join(inv.dir, 'templates', 'partials')];
  for (const r of inv.roles.values()) dirs.push(path.join(r.dir, 'templates', 'partials'));
  return dirs;
}

/**
 * Operations whose `src` names a role file, and the folder it lives in. `artifact` may also name
 * an absolute controller path (a build output), which is not a role file.
 */
const ROLE_FILE_ARGS: Record<string, { folder: 'templates' | 'files'; absoluteAllowed?: boolean }> = {
  template: { folder: 'templates' },
  systemd_unit: { folder: 'templates' },
  copy: { folder: 'files' },
  apt_key: { folder: 'files' },
  artifact: { folder: 'files', absoluteAllowed: true },
};

/** What the checks need of an inventory (they also run while it is being loaded). */
export type RolesOf = Pick<Inventory, 'dir' | 'roles'> | { dir: string; roles: ReadonlyMap<string, RoleSpec> };

export function checkRoleTemplates(inv: RolesOf, opts: { displayRoot?: string } = {}): InputIssue[] {
  const renderer = createRenderer({ partialDirs: partialDirs(inv), displayRoot: opts.displayRoot ?? process.cwd() });
  const issues: InputIssue[] = [];
  for (const role of inv.roles.values()) {
    for (const task of [...role.tasks, ...role.handlers]) issues.push(...checkTask(task, role, renderer));
    issues.push(...checkPartialFiles(role, renderer));
  }
  return issues;
}

function taskPath(task: TaskSpec): (string | number)[] {
  if (task.keyPath) return task.keyPath;
  const index = Number(task.id.split('/').pop());
  return [task.id.includes('/handlers/') ? 'handlers' : 'tasks', index];
}

function checkTask(task: TaskSpec, role: RoleSpec, renderer: Renderer): InputIssue[] {
  const issues: InputIssue[] = [];
  const base = taskPath(task);
  const strings = (value: unknown, at: (string | number)[]): void => {
    if (typeof value === 'string') {
      if (!value.includes('{{')) return;
      try {
        renderer.checkString(value, { origin: task.location });
      } catch (e) {
        issues.push({ location: task.location, path: [...base, ...at], message: reasonOf(e) });
      }
    } else if (Array.isArray(value)) value.forEach((v, i) => strings(v, [...at, i]));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) strings(v, [...at, k]);
  };
  strings(task.args, [task.op]);
  if (task.loop !== undefined) strings(task.loop, ['loop']);

  const ref = ROLE_FILE_ARGS[task.op];
  const src = (task.args as { src?: unknown } | null)?.src;
  if (ref && typeof src === 'string' && !src.includes('{{') && !(ref.absoluteAllowed && path.isAbsolute(src))) {
    const at = [...base, task.op, 'src'];
    try {
      const file = resolveInside(path.join(role.dir, ref.folder), src, ref.folder === 'templates' ? 'Template path' : 'File path');
      if (!existsSync(file)) issues.push({ location: task.location, path: at, message: `No file "${src}" in the role's ${ref.folder}/ folder (${path.join(role.dir, ref.folder)})` });
      else if (!statSync(file).isFile()) issues.push({ location: task.location, path: at, message: `"${src}" in the role's ${ref.folder}/ folder is not a file` });
      else if (ref.folder === 'templates') renderer.checkTemplate(file);
    } catch (e) {
      issues.push(templateIssue(e, task, at));
    }
  }
  return issues;
}

/** A problem inside a template file is located in that file; one about the path, at the task. */
function templateIssue(e: unknown, task: TaskSpec, at: (string | number)[]): InputIssue {
  const located = e as { location?: InputIssue['location']; reason?: string };
  if (located.location && located.reason !== undefined && located.location.file !== task.location.file) return { location: located.location, path: [], message: located.reason };
  return { location: task.location, path: at, message: reasonOf(e) };
}

function reasonOf(e: unknown): string {
  const r = (e as { reason?: unknown }).reason;
  return typeof r === 'string' ? r : e instanceof Error ? e.message : String(e);
}

function checkPartialFiles(role: RoleSpec, renderer: Renderer): InputIssue[] {
  const dir = path.join(role.dir, 'templates', 'partials');
  if (!existsSync(dir)) return [];
  const issues: InputIssue[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue;
    try {
      renderer.checkTemplate(path.join(dir, entry.name));
    } catch (e) {
      const located = e as { location?: InputIssue['location']; reason?: string };
      issues.push(located.location ? { location: located.location, path: [], message: located.reason ?? reasonOf(e) } : { path: [], message: reasonOf(e) });
    }
  }
  return issues;
}
