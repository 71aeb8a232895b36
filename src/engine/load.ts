/** Loading an inventory for a run: the op registry, load-time expression checks, secrets registered. */
import { loadInventory, type RoleCache } from '../play/load.js';
import { checkExpression } from '../expr/index.js';
import { OPS } from '../ops/registry.js';
import type { InputIssue } from '../errors.js';
import { checkRoleTemplates } from './check-templates.js';
import type { Inventory, RoleSpec, TaskSpec } from '../model.js';
import type { KnownOps } from '../roles/schema.js';
import { Redactor } from '../secrets/redactor.js';
import { roleDefaults } from './scope.js';
import { secretKeyValues } from '../roles/vars.js';
import { loadWithVault } from '../vault/load.js';
import { Passphrases } from '../vault/passphrase.js';

export function validateTaskExpressions(task: TaskSpec): InputIssue[] {
  const issues: InputIssue[] = [];
  const check = (key: 'when' | 'changed_when' | 'failed_when' | 'until', src: string | undefined) => {
    if (src === undefined) return;
    const r = checkExpression(src);
    if (!r.ok) issues.push({ location: task.location, path: [key], message: `invalid expression: ${r.message}` });
  };
  check('when', task.when);
  check('changed_when', task.changedWhen);
  check('failed_when', task.failedWhen);
  check('until', task.until);
  return issues;
}

export async function loadForRun(opts: { inventory: string; extraVars?: string[]; cwd?: string; passphrases?: Passphrases; knownOps?: KnownOps; roleCache?: RoleCache }): Promise<Inventory> {
  // `!vault` values and vault files are decrypted while loading; their plaintexts become secrets of the run.
  const { value: inv, secrets } = await loadWithVault(
    (decryptTag) =>
      loadInventory({
        name: opts.inventory,
        extraVars: opts.extraVars ?? [],
        cwd: opts.cwd,
        knownOps: opts.knownOps ?? OPS,
        validateExpressions: validateTaskExpressions,
        checkRoles: templateChecks(opts.cwd),
        decryptTag,
        ...(opts.roleCache ? { roleCache: opts.roleCache } : {}),
      }),
    opts.passphrases ?? new Passphrases({ cwd: opts.cwd }),
  );
  inv.secretValues = secrets;
  return inv;
}

/** Templates and role files the tasks name are checked with everything else, before any host is contacted. */
export function templateChecks(cwd?: string): (roles: ReadonlyMap<string, RoleSpec>, dir: string) => InputIssue[] {
  return (roles, dir) => checkRoleTemplates({ dir, roles }, { displayRoot: cwd ?? process.cwd() });
}

/** Every value of a secret var (as set anywhere for any host) is masked in all output. */
export function secretsRedactor(inv: Inventory, extra: (string | undefined)[] = []): Redactor {
  const r = new Redactor();
  const addDeep = (v: unknown) => {
    if (typeof v === 'string') r.add(v);
    else if (typeof v === 'number' && String(v).length >= 6) r.add(String(v));
    else if (Array.isArray(v)) v.forEach(addDeep);
    else if (v && typeof v === 'object') Object.values(v).forEach(addDeep);
  };
  for (const h of inv.hosts.values()) {
    addDeep(h.vars.become_password); // always secret, whatever the roles declare
    const defaults = roleDefaults(inv, h);
    for (const name of inv.secretVars) {
      addDeep(h.vars[name]);
      addDeep(defaults[name]);
    }
  }
  // Keys a role marks secret inside an object variable (`properties:`, at any depth), e.g. each
  // remote's secret key.
  for (const role of inv.roles.values()) {
    for (const [name, spec] of Object.entries(role.variables)) {
      if (!spec.properties) continue;
      for (const h of inv.hosts.values()) secretKeyValues(spec, h.vars[name] ?? spec.default).forEach(addDeep);
    }
  }
  for (const s of inv.secretValues ?? []) r.add(s);
  for (const s of extra) r.add(s);
  return r;
}
