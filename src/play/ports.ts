/** A role's port may be opened to "world", "cluster" or a group: the group must exist. */
import type { InputIssue } from '../errors.js';
import type { RoleSpec } from '../model.js';
import { didYouMean } from '../yaml/suggest.js';

export const PORT_SOURCES: readonly string[] = ['world', 'cluster'];

export function checkPorts(roles: readonly RoleSpec[], groupNames: readonly string[]): InputIssue[] {
  const allowed = [...PORT_SOURCES, ...groupNames];
  const issues: InputIssue[] = [];
  for (const role of roles) {
    role.ports.forEach((port, i) => {
      if (allowed.includes(port.from)) return;
      issues.push({
        location: port.location,
        path: ['ports', i, 'from'],
        message: `Port ${port.port}/${port.proto} of role "${role.name}" is open to group "${port.from}", which this inventory does not have${didYouMean(port.from, allowed)}`,
      });
    });
  }
  return issues;
}
