/**
 * Every place a role reads a variable: templated task arguments, `when`/`changed_when`/
 * `failed_when`, loops, the template files its tasks render (and the partials they include),
 * `checks:`, `ports:` conditions and `required_when`. Each read carries the names that are
 * defined only there (the loop variable, a template's `vars:`, a partial's parameters).
 */
import path from 'node:path';
import type { Node } from '../expr/ast.js';
import { parseExpression } from '../expr/index.js';
import type { TaskSpec } from '../model.js';
import { projectRoot } from '../paths.js';
import { readFileSync, existsSync } from 'node:fs';
import { displayPath } from '../yaml/read.js';
import type { LintRole } from './collect.js';
import { templateRefs, type Ref } from './template-refs.js';

export interface Use extends Ref {
  file: string;
  /** Names defined only at this place. */
  local: ReadonlySet<string>;
}

export interface RoleUses {
  uses: Use[];
  /** Names read as keys: `lookup (lookup hostvars h) "key"`, `this.key` of an item or host. */
  lookups: Set<string>;
  /** Names tasks register. */
  registered: Set<string>;
}

const TEMPLATE_OPS = new Set(['template', 'systemd_unit']);

/** Names an expression reads, and whether each is guarded (`x is defined`, `default(x, ...)`). */
export function exprRefs(src: string): { name: string; guarded: boolean }[] {
  let root: Node;
  try {
    root = parseExpression(src).root;
  } catch {
    return [];
  }
  const out: { name: string; guarded: boolean }[] = [];
  const visit = (n: Node, guarded: boolean): void => {
    switch (n.kind) {
      case 'name':
        return void out.push({ name: n.name, guarded });
      case 'member':
        return visit(n.object, guarded);
      case 'index':
        return (visit(n.object, guarded), visit(n.index, false));
      case 'list':
        return n.items.forEach((x) => visit(x, false));
      case 'call':
        return n.args.forEach((x, i) => visit(x, n.fn === 'default' && i === 0));
      case 'test':
        return visit(n.operand, n.test === 'defined');
      case 'not':
      case 'neg':
        return visit(n.operand, guarded);
      case 'logical':
      case 'compare':
        return (visit(n.left, false), visit(n.right, false));
      default:
        return;
    }
  };
  visit(root, false);
  return out;
}

export function roleUses(role: LintRole): RoleUses {
  const uses: Use[] = [];
  const lookups = new Set<string>();
  const registered = new Set<string>();
  const doc = role.doc;
  const templateLocals = new Map<string, Set<string>>();
  const tasks: [TaskSpec, string, number][] = [
    ...role.spec.tasks.map((t, i) => [t, 'tasks', i] as [TaskSpec, string, number]),
    ...role.spec.handlers.map((t, i) => [t, 'handlers', i] as [TaskSpec, string, number]),
  ];

  for (const [t, kind, i] of tasks) {
    if (t.register) registered.add(t.register);
    const local = new Set<string>(t.loop !== undefined ? [t.loopVar] : []);
    // A task inside a block sits at its own path (keyPath), not at the index of the flat list.
    const at = (p: (string | number)[]) => doc.at([...(t.keyPath ?? [kind, i]), ...p]);
    const strings = (v: unknown, p: (string | number)[]) => {
      if (typeof v === 'string' && v.includes('{{')) {
        try {
          const r = templateRefs(v);
          const loc = at(p);
          for (const ref of r.refs) uses.push({ ...ref, file: loc.file, line: loc.line, col: loc.col, local });
          [...r.lookups, ...r.keys].forEach((k) => lookups.add(k));
        } catch {
          // A broken template string is the loader's to report.
        }
      } else if (Array.isArray(v)) v.forEach((x, j) => strings(x, [...p, j]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, [...p, k]);
    };
    strings(t.args, [t.op]);
    strings(t.loop, ['loop']);
    strings(t.delegateTo, ['delegate_to']);
    for (const [key, src] of [
      ['when', t.when],
      ['changed_when', t.changedWhen],
      ['failed_when', t.failedWhen],
      ['until', t.until],
    ] as const) {
      if (src === undefined) continue;
      const loc = at([key]);
      for (const r of exprRefs(src)) uses.push({ ...r, file: loc.file, line: loc.line, col: loc.col, local: t.register ? new Set([...local, t.register]) : local });
    }
    const args = t.args as { src?: unknown; vars?: Record<string, unknown> } | undefined;
    if (TEMPLATE_OPS.has(t.op) && typeof args?.src === 'string') {
      const names = templateLocals.get(args.src) ?? new Set<string>();
      for (const n of [...local, ...Object.keys(args.vars ?? {})]) names.add(n);
      templateLocals.set(args.src, names);
    }
  }

  // Every template file counts (a template no task names is still read by nobody: its reads are
  // uses all the same, so a declared variable it reads is not reported unused).
  for (const [rel, tpl] of role.templates) {
    if (rel.startsWith(`partials${path.sep}`)) continue;
    collectTemplate(role, tpl.text, tpl.file, templateLocals.get(rel) ?? new Set(), uses, lookups, new Set());
  }
  role.spec.checks?.forEach((c, i) => {
    const local = new Set(c.loop ? ['item'] : []);
    for (const [key, src] of [
      ['that', c.that],
      ['loop', c.loop],
    ] as const) {
      if (src === undefined) continue;
      const loc = doc.at(['checks', i, key]);
      for (const r of exprRefs(src)) uses.push({ ...r, file: loc.file, line: loc.line, col: loc.col, local: key === 'loop' ? new Set() : local });
    }
  });
  role.spec.ports.forEach((p, i) => {
    if (!p.when) return;
    const loc = doc.at(['ports', i, 'when']);
    for (const r of exprRefs(p.when)) uses.push({ ...r, file: loc.file, line: loc.line, col: loc.col, local: new Set() });
  });
  for (const [name, spec] of Object.entries(role.spec.variables)) {
    if (!spec.requiredWhen) continue;
    const loc = doc.at(['variables', name, 'required_when']);
    for (const r of exprRefs(spec.requiredWhen)) uses.push({ ...r, file: loc.file, line: loc.line, col: loc.col, local: new Set() });
  }
  return { uses, lookups, registered };
}

/** A template's reads, then those of the partials it includes (with their parameters as locals). */
function collectTemplate(role: LintRole, text: string, file: string, local: Set<string>, uses: Use[], lookups: Set<string>, seen: Set<string>): void {
  let r;
  try {
    r = templateRefs(text);
  } catch {
    return; // the loader reports broken templates
  }
  for (const ref of r.refs) uses.push({ ...ref, file, local });
  [...r.lookups, ...r.keys].forEach((k) => lookups.add(k));
  for (const p of r.partials) {
    if (seen.has(p.name)) continue;
    const found = findPartial(role, p.name);
    if (found) collectTemplate(role, found.text, found.file, new Set([...local, ...p.keys]), uses, lookups, new Set([...seen, p.name]));
  }
}

function findPartial(role: LintRole, name: string): { text: string; file: string } | undefined {
  const own = role.templates.get(path.join('partials', `${name}.hbs`));
  if (own) return own;
  const shared = path.join(projectRoot(), 'templates', 'partials', `${name}.hbs`);
  return existsSync(shared) ? { text: readFileSync(shared, 'utf8'), file: displayPath(shared, process.cwd()) } : undefined;
}
