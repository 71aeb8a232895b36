/** `delegate_to` must name a host of the inventory (unless it is templated: checked at run time). */
import type { InputIssue } from '../errors.js';
import type { RoleSpec } from '../model.js';
import { isTemplated } from '../roles/vars.js';
import { didYouMean } from '../yaml/suggest.js';

export function checkDelegates(roles: readonly RoleSpec[], hostNames: readonly string[]): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const role of roles) {
    for (const task of [...role.tasks, ...role.handlers]) {
      const target = task.delegateTo;
      if (target === undefined || isTemplated(target) || hostNames.includes(target)) continue;
      const at = task.keyPath ?? [task.id.includes('/handlers/') ? 'handlers' : 'tasks', Number(task.id.split('/').pop())];
      issues.push({
        location: task.location,
        path: [...at, 'delegate_to'],
        message: `Task "${task.name}" of role "${role.name}" delegates to "${target}", which is not a host of this inventory${didYouMean(target, hostNames)}`,
      });
    }
  }
  return issues;
}
