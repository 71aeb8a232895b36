/**
 * Variables declared once for a role set: `shared.yaml` beside the role folders (wpha's own is
 * roles/shared.yaml). A role reads one by naming it under `uses:`; it then has that one spec,
 * so five roles reading `wordpress_sites` check every site the same way and the docs describe
 * it once. A shared variable declared again by a role, or a `uses:` naming nothing shared, is
 * an error at its own line.
 */
import path from 'node:path';
import type { InputIssue } from '../errors.js';
import type { VarSpec } from '../model.js';
import { formatLocation } from '../yaml/describe.js';
import type { YamlDoc } from '../yaml/parse.js';
import { readYamlFile } from '../yaml/read.js';
import { didYouMean } from '../yaml/suggest.js';
import type { DecryptTag } from '../yaml/walk.js';
import { zodIssuesToInputIssues } from '../yaml/zod-issues.js';
import { SharedVarsFileSchema } from './schema.js';
import { buildVarSpecs, renamedSpecKeys } from './vars-spec.js';

export const SHARED_FILE = 'shared.yaml';

export interface SharedVars {
  /** The file as shown in messages. */
  file: string;
  variables: Record<string, VarSpec>;
  issues: InputIssue[];
}

/** Each role set's shared.yaml read once per load; its issues handed out once. */
export class SharedVarsCache {
  private readonly files = new Map<string, Promise<SharedVars | undefined>>();
  private readonly reported = new Set<string>();

  constructor(private readonly opts: { cwd: string; decryptTag?: DecryptTag }) {}

  /** The declarations of `<dir>/shared.yaml`, or undefined when the folder has none. */
  load(dir: string): Promise<SharedVars | undefined> {
    let loaded = this.files.get(dir);
    if (!loaded) {
      loaded = readShared(path.join(dir, SHARED_FILE), this.opts);
      this.files.set(dir, loaded);
    }
    return loaded;
  }

  /** The file's own issues the first time they are asked for, then none (one report per load). */
  issuesOnce(shared: SharedVars): InputIssue[] {
    if (this.reported.has(shared.file)) return [];
    this.reported.add(shared.file);
    return shared.issues;
  }
}

async function readShared(file: string, opts: { cwd: string; decryptTag?: DecryptTag }): Promise<SharedVars | undefined> {
  const doc = await readYamlFile(file, opts);
  if (!doc.ok && doc.issues.some((i) => i.message === 'File does not exist')) return undefined;
  const issues = [...doc.issues];
  const shared: SharedVars = { file: doc.file, variables: Object.create(null), issues };
  if (!doc.ok) return shared;
  const parsed = SharedVarsFileSchema.safeParse(doc.value);
  if (!parsed.success) issues.push(...renamedSpecKeys(zodIssuesToInputIssues(parsed.error.issues, { doc, schema: SharedVarsFileSchema })));
  const raw = doc.value as { variables?: unknown } | null;
  shared.variables = buildVarSpecs(raw && typeof raw === 'object' ? raw.variables : undefined, doc, issues);
  for (const spec of Object.values(shared.variables)) spec.shared = true;
  return shared;
}

/**
 * Gives the role the shared specs its `uses:` names (first, in that order, before its own) and
 * reports what breaks "declared once". `dirs`: the role's own set first, then the other role
 * folders of the load (an inventory role may use what wpha's roles/shared.yaml declares).
 * The role's own variables are merged after the shared ones.
 */
export async function resolveUses(spec: { name: string; variables: Record<string, VarSpec>; uses?: string[] }, doc: YamlDoc, dirs: readonly string[], cache: SharedVarsCache): Promise<InputIssue[]> {
  const issues: InputIssue[] = [];
  const sets = (await Promise.all([...new Set(dirs)].map((d) => cache.load(d)))).filter((s): s is SharedVars => s !== undefined);
  for (const set of sets) issues.push(...cache.issuesOnce(set));
  const find = (name: string) => sets.find((s) => Object.hasOwn(s.variables, name));
  // "Declared once" holds within a role set; a role of another set (an inventory's own) may
  // declare a variable of the same name, as two roles may (their types must then agree).
  const ownSet = await cache.load(dirs[0]!);
  const at = (p: (string | number)[]) => ({ location: doc.keyAt(p), path: p });
  const own = spec.variables;
  const merged: Record<string, VarSpec> = Object.create(null);

  (spec.uses ?? []).forEach((name, i) => {
    const set = find(name);
    if (merged[name]) issues.push({ ...at(['uses', i]), message: `"${name}" is listed twice under "uses"` });
    else if (!set) {
      const known = sets.flatMap((s) => Object.keys(s.variables));
      const where = sets.length > 0 ? sets.map((s) => s.file).join(', ') : `a ${SHARED_FILE} beside the role folders (there is none)`;
      issues.push({ ...at(['uses', i]), message: `Role "${spec.name}" uses "${name}", which ${where} does not declare${didYouMean(name, known)}` });
    } else merged[name] = set.variables[name]!;
  });
  for (const [name, mine] of Object.entries(own)) {
    const listed = (spec.uses ?? []).includes(name);
    const set = listed ? find(name) : ownSet && Object.hasOwn(ownSet.variables, name) ? ownSet : undefined;
    if (set) {
      const there = set.variables[name]!.location;
      const message = listed
        ? `Variable "${name}" is listed under "uses" and declared here too: drop this declaration (the one in ${there ? formatLocation(there) : set.file} is the variable's)`
        : `Variable "${name}" is declared once for every role, in ${there ? formatLocation(there) : set.file}: list it under "uses:" instead of declaring it here`;
      issues.push({ location: mine.location ?? doc.keyAt(['variables', name]), path: ['variables', name], message });
      continue;
    }
    merged[name] = mine;
  }
  spec.variables = merged;
  return issues;
}
