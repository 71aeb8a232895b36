/**
 * `wpha lint`: collect the roles and inventories under a path, run every rule, apply inline
 * suppressions, sort. Pure of output: the CLI formats and chooses the exit status.
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import { collect } from './collect.js';
import { portRules } from './rules-ports.js';
import { inventorySecrets, roleDefaultSecrets } from './rules-secrets.js';
import { commandRules, handlerRules, validateRules } from './rules-tasks.js';
import { usesCache, varRules } from './rules-vars.js';
import type { Finding } from './rules.js';
import { applySuppressions } from './suppress.js';

export interface LintResult {
  findings: Finding[];
  /** What was checked, for the summary line. */
  checked: string;
}

export async function lint(target: string, cwd = process.cwd()): Promise<LintResult> {
  const t = await collect(target, cwd);
  if (t.loadIssues.length) throw new InputError(t.loadIssues, `Cannot lint "${target}": files do not load`);
  const uses = usesCache(t.roles);
  const raw: Finding[] = [];
  const files: string[] = [];
  for (const name of t.lintRoles) {
    const role = t.roles.get(name)!;
    files.push(role.doc.file, ...[...role.templates.values()].map((x) => x.file));
    raw.push(
      ...varRules(name, t.roles, uses),
      ...handlerRules(name, t.roles),
      ...commandRules(name, t.roles),
      ...validateRules(name, t.roles),
      ...roleDefaultSecrets(role),
      ...portRules(name, t.roles),
    );
  }
  for (const inv of t.inventories) {
    files.push(...inv.docs.map((d) => d.file));
    raw.push(...inventorySecrets(inv, t.roles));
  }
  const findings = applySuppressions(raw, cwd, files).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.rule.localeCompare(b.rule));
  const parts = [t.lintRoles.length ? `${t.lintRoles.length} role(s)` : '', t.inventories.length ? `${t.inventories.length} inventory(ies)` : ''].filter(Boolean);
  return { findings, checked: `${parts.join(' and ')} in ${path.relative(cwd, path.resolve(cwd, target)) || '.'}` };
}
