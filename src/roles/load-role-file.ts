/**
 * Loads one role folder (`<dir>/<name>/role.yaml`) into a RoleSpec, collecting every issue.
 * Dependencies are not followed here (see load.ts).
 */
import path from 'node:path';
import type { InputIssue } from '../errors.js';
import { checkExpression } from '../expr/index.js';
import type { CheckSpec, PortSpec, RoleSpec } from '../model.js';
import type { YamlDoc } from '../yaml/parse.js';
import { readYamlFile } from '../yaml/read.js';
import type { DecryptTag } from '../yaml/walk.js';
import { zodIssuesToInputIssues } from '../yaml/zod-issues.js';
import { buildHandlers, buildTasks, type TaskBuildContext } from './load-tasks.js';
import { CheckSpecSchema, PortSpecSchema, RoleFileSchema } from './schema.js';
import { SharedVarsCache, resolveUses } from './shared-vars.js';
import { buildVarSpecs, renamedSpecKeys } from './vars-spec.js';

export interface RoleFileOptions {
  knownOps: TaskBuildContext['knownOps'];
  /** Base for file names in messages. */
  cwd: string;
  validateExpressions?: TaskBuildContext['validateExpressions'];
  decryptTag?: DecryptTag;
  /** Shared declarations read so far (one per load); default: a new one for this file. */
  shared?: SharedVarsCache;
  /** More folders whose shared.yaml a `uses:` may name, after the role's own folder's. */
  sharedDirs?: readonly string[];
}

export interface LoadedRoleFile {
  spec: RoleSpec;
  /** Kept so later checks (notify, depends, ports) can point into the file. */
  doc: YamlDoc;
  issues: InputIssue[];
}

export const ROLE_FILE = 'role.yaml';

export async function loadRoleFile(name: string, roleDir: string, opts: RoleFileOptions): Promise<LoadedRoleFile> {
  const doc = await readYamlFile(path.join(roleDir, ROLE_FILE), { cwd: opts.cwd, decryptTag: opts.decryptTag });
  const issues: InputIssue[] = [...doc.issues];
  const spec: RoleSpec = { name, dir: roleDir, description: '', depends: [], variables: Object.create(null), ports: [], tasks: [], handlers: [] };
  if (!doc.ok) return { spec, doc, issues };

  const parsed = RoleFileSchema.safeParse(doc.value);
  if (!parsed.success) issues.push(...renamedSpecKeys(zodIssuesToInputIssues(parsed.error.issues, { doc, schema: RoleFileSchema })));
  const raw = (doc.value ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) return { spec, doc, issues };

  if (typeof raw.description === 'string') spec.description = raw.description;
  if (Array.isArray(raw.depends)) spec.depends = raw.depends.filter((d): d is string => typeof d === 'string');
  spec.variables = buildVarSpecs(raw.variables, doc, issues);
  if (Array.isArray(raw.uses)) spec.uses = raw.uses.filter((u): u is string => typeof u === 'string');
  const shared = opts.shared ?? new SharedVarsCache({ cwd: opts.cwd, decryptTag: opts.decryptTag });
  issues.push(...(await resolveUses(spec, doc, [path.dirname(roleDir), ...(opts.sharedDirs ?? [])], shared)));
  spec.ports = buildPorts(raw.ports, doc, issues);
  const checks = buildChecks(raw.checks, doc, issues);
  if (checks.length > 0) spec.checks = checks;
  const ctx: TaskBuildContext = { role: name, doc, knownOps: opts.knownOps, issues, validateExpressions: opts.validateExpressions };
  spec.tasks = buildTasks(raw.tasks, ctx);
  spec.handlers = buildHandlers(raw.handlers, ctx);
  return { spec, doc, issues };
}

function buildPorts(raw: unknown, doc: YamlDoc, issues: InputIssue[]): PortSpec[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry, i) => {
    const parsed = PortSpecSchema.safeParse(entry);
    if (!parsed.success) return [];
    const port: PortSpec = { port: parsed.data.port, proto: parsed.data.proto ?? 'tcp', from: parsed.data.from ?? 'world', location: doc.at(['ports', i]) };
    if (parsed.data.description !== undefined) port.description = parsed.data.description;
    if (parsed.data.when !== undefined) {
      const check = checkExpression(parsed.data.when);
      if (!check.ok) issues.push({ location: doc.at(['ports', i, 'when']), path: ['ports', i, 'when'], message: `invalid expression: ${check.message}` });
      port.when = parsed.data.when;
    }
    return [port];
  });
}

function buildChecks(raw: unknown, doc: YamlDoc, issues: InputIssue[]): CheckSpec[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry, i) => {
    const parsed = CheckSpecSchema.safeParse(entry);
    if (!parsed.success) return [];
    const check: CheckSpec = { that: parsed.data.that, message: parsed.data.message, index: i, location: doc.at(['checks', i]) };
    for (const key of ['that', 'loop'] as const) {
      const src = parsed.data[key];
      if (src === undefined) continue;
      const r = checkExpression(src);
      if (!r.ok) issues.push({ location: doc.at(['checks', i, key]), path: ['checks', i, key], message: `invalid expression: ${r.message}` });
    }
    if (parsed.data.var !== undefined) check.var = parsed.data.var;
    if (parsed.data.loop !== undefined) check.loop = parsed.data.loop;
    return [check];
  });
}
