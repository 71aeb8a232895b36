/**
 * Checks a host's final vars against the variable schemas of the roles it gets: wrong types,
 * values outside an enum and missing required vars, each reported where the value was set.
 * Also catches likely typos: a host or group var that no role declares but that is one or two
 * edits away from a variable of the host's roles.
 */
import type { InputIssue, SourceLocation } from '../errors.js';
import type { RoleSpec } from '../model.js';
import { isUnset, requiredWhen } from '../roles/var-fields.js';
import { roleDefaults, varValueIssues } from '../roles/vars.js';
import { ExpressionError, parseExpression } from '../expr/index.js';
import { closestMatch } from '../yaml/suggest.js';
import type { VarLayer } from '../inventory/var-layers.js';
import { couldSet, type UnloadedSource } from '../inventory/unloaded.js';

export interface HostVarsCheck {
  host: string;
  hostLocation: SourceLocation;
  /** The host's roles, in run order. */
  roles: readonly RoleSpec[];
  /** Winning entry per var after precedence. */
  merged: VarLayer;
  /** Every layer that applied to the host (to find typos even in overridden values). */
  layers: readonly VarLayer[];
  /** Every variable any role of the inventory declares (such a var is never a typo). */
  declaredAnywhere: ReadonlySet<string>;
  /** A lab inventory (`lab: true`): its public lab values may stand where vault values are expected. */
  lab?: boolean;
  /** Sources of this host's vars that did not load: a required var they could have set is not reported missing... */
  unloaded?: readonly UnloadedSource[];
  /** ...but recorded here (source -> hosts), for one summary line per source. */
  notChecked?: Map<UnloadedSource, Set<string>>;
}

export function checkHostVars(c: HostVarsCheck): InputIssue[] {
  const issues: InputIssue[] = [];
  const checked = new Set<string>();
  for (const role of c.roles) {
    for (const [name, spec] of Object.entries(role.variables)) {
      if (checked.has(name)) continue; // a second role declaring it has the same type (checked at load)
      checked.add(name);
      const entry = c.merged.get(name);
      if (!entry) {
        const hidden = spec.required && spec.default === undefined ? c.unloaded?.find((u) => couldSet(u, name)) : undefined;
        if (hidden) {
          const hosts = c.notChecked?.get(hidden) ?? new Set<string>();
          c.notChecked?.set(hidden, hosts.add(c.host));
        } else if (spec.required && spec.default === undefined) {
          issues.push({ location: c.hostLocation, path: ['hosts', c.host], message: `Missing required variable "${name}" of role "${role.name}" for host "${c.host}"` });
        }
        continue;
      }
      const issuesOf = varValueIssues({ ...spec, secret: spec.secret || entry.secret }, entry.value);
      for (const why of issuesOf) {
        const location = why.path.length > 0 && entry.locate ? entry.locate(why.path) : entry.location;
        issues.push({ location, path: [...entry.path, ...why.path], message: `Variable "${name}" of role "${role.name}": ${why.message}` });
      }
      if (issuesOf.length === 0 && spec.vault && !entry.vault && !c.lab && entry.value !== '') {
        // Plain text in a repository is readable by everyone who can read the repository.
        issues.push({
          location: entry.location,
          path: entry.path,
          message: `Variable "${name}" of role "${role.name}" must come from the vault (a "!vault" value or a vault file), found plain text; encrypt it with "wpha vault encrypt-string --name ${name}"`,
        });
      }
    }
  }

  issues.push(...checkRequiredWhen(c));
  const declared = [...checked];
  for (const layer of c.layers) {
    for (const [name, entry] of layer) {
      // all-level and extra vars are shared by hosts with different roles: not typo-checked.
      if ((entry.scope !== 'group' && entry.scope !== 'host') || c.declaredAnywhere.has(name)) continue;
      const match = closestMatch(name, declared);
      if (match) issues.push({ location: entry.location, path: entry.path, message: `Unknown variable "${name}" (did you mean "${match}"?)` });
    }
  }
  return issues;
}

/**
 * `required_when`: a variable that must be set (and not empty) when an expression over the
 * host's variables holds, e.g. the encryption key once encryption is on. The issue points at
 * the value that made the condition true (the first variable of the expression the inventory
 * sets), else at the host.
 */
function checkRequiredWhen(c: HostVarsCheck): InputIssue[] {
  const issues: InputIssue[] = [];
  const scope: Record<string, unknown> = roleDefaults(c.roles);
  for (const [k, e] of c.merged) scope[k] = e.value;
  const seen = new Set<string>();
  for (const role of c.roles) {
    for (const [name, spec] of Object.entries(role.variables)) {
      if (!spec.requiredWhen || seen.has(name)) continue;
      seen.add(name);
      if (!isUnset(scope[name])) continue;
      const needed = requiredWhen(spec.requiredWhen, scope);
      if (needed === false) continue;
      const cause =
        parseExpression(spec.requiredWhen)
          .names.map((n) => c.merged.get(n))
          .find((e) => e !== undefined) ?? c.merged.get(name);
      const at = cause ? { location: cause.location, path: cause.path } : { location: c.hostLocation, path: ['hosts', c.host] };
      if (needed instanceof ExpressionError) issues.push({ ...at, message: `Cannot evaluate required_when of variable "${name}" of role "${role.name}" for host "${c.host}": ${needed.reason}` });
      else if (needed) issues.push({ ...at, message: `Missing variable "${name}" of role "${role.name}" for host "${c.host}": required when ${spec.requiredWhen} (${spec.description})` });
    }
  }
  return issues;
}
