/**
 * group_vars/<group>.yaml and host_vars/<host>.yaml: plain vars maps beside inventory.yaml.
 * A file naming no group/host is an error (a typo would otherwise silently do nothing).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { InputIssue } from '../errors.js';
import { displayPath, readYamlFile } from '../yaml/read.js';
import { didYouMean } from '../yaml/suggest.js';
import type { DecryptTag } from '../yaml/walk.js';
import { zodIssuesToInputIssues } from '../yaml/zod-issues.js';
import { VarsFileSchema } from './schema.js';
import { joinSameLevel, layerFromDoc, type VarLayer, type VarScope } from './var-layers.js';
import { unloadedFile, type UnloadedSource } from './unloaded.js';

const EXTENSIONS = ['.yaml', '.yml'];
const VAULT_SUFFIX = '.vault';

export interface VarFilesOptions {
  cwd: string;
  decryptTag?: DecryptTag;
}

/**
 * Reads every `<folder>/<name>.yaml` (or .yml) of an inventory. `known` are the group or host
 * names files may be named after; undefined when inventory.yaml is unusable (names not checked,
 * so its errors are not repeated as "no such host" here).
 */
export async function readVarFiles(
  invDir: string,
  folder: 'group_vars' | 'host_vars',
  known: readonly string[] | undefined,
  opts: VarFilesOptions,
): Promise<{ layers: Map<string, VarLayer>; issues: InputIssue[]; unloaded: Map<string, UnloadedSource[]> }> {
  const dir = path.join(invDir, folder);
  const layers = new Map<string, VarLayer>();
  const issues: InputIssue[] = [];
  /** Files of a group or host that did not load, by that name. */
  const unloaded = new Map<string, UnloadedSource[]>();
  if (!existsSync(dir)) return { layers, issues, unloaded };
  const scope: VarScope = folder === 'host_vars' ? 'host' : 'group';
  const what = folder === 'host_vars' ? 'host' : 'group';
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const seen = new Set<string>();

  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    const at = { file: displayPath(file, opts.cwd), line: 1, col: 1 };
    if (entry.isDirectory()) {
      issues.push({ location: at, path: [], message: `Expected ${folder}/<${what}>.yaml files, found a folder (vars folders are not supported)` });
      continue;
    }
    const ext = EXTENSIONS.find((e) => entry.name.endsWith(e));
    if (!ext) continue; // READMEs and editor backups are not vars files
    // `<name>.vault.yaml` is the vault-encrypted companion of `<name>.yaml` (`wpha vault encrypt`).
    const stem = entry.name.slice(0, -ext.length);
    const vault = stem.endsWith(VAULT_SUFFIX);
    const name = vault ? stem.slice(0, -VAULT_SUFFIX.length) : stem;
    if (known && !known.includes(name)) {
      issues.push({ location: at, path: [], message: `No ${what} "${name}" in this inventory${didYouMean(name, known)}` });
      continue;
    }
    if (seen.has(stem)) {
      issues.push({ location: at, path: [], message: `Both ${stem}.yaml and ${stem}.yml exist in ${folder}/; keep one` });
      continue;
    }
    seen.add(stem);
    const layer = await readVarsLayer(file, scope, opts, issues);
    if (!layer) {
      unloaded.set(name, [...(unloaded.get(name) ?? []), unloadedFile(at.file)]);
      continue;
    }
    const other = layers.get(name);
    // A var in both the plain and the vault file is an error naming both places.
    layers.set(name, other ? joinSameLevel([other, layer], issues) : layer);
  }
  return { layers, issues, unloaded };
}

/** A vars file (a map of variables) as a layer; undefined after recording why it cannot be one. */
export async function readVarsLayer(file: string, scope: VarScope, opts: Parameters<typeof readYamlFile>[1], issues: InputIssue[]): Promise<VarLayer | undefined> {
  const doc = await readYamlFile(file, opts);
  issues.push(...doc.issues);
  if (!doc.ok) return undefined;
  const parsed = VarsFileSchema.safeParse(doc.value ?? Object.create(null));
  if (!parsed.success) {
    issues.push(...zodIssuesToInputIssues(parsed.error.issues, { doc, schema: VarsFileSchema }));
    return undefined;
  }
  return layerFromDoc(doc, [], scope);
}
