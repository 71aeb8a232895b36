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
import { layerFromDoc, type VarLayer, type VarScope } from './var-layers.js';

const EXTENSIONS = ['.yaml', '.yml'];

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
): Promise<{ layers: Map<string, VarLayer>; issues: InputIssue[] }> {
  const dir = path.join(invDir, folder);
  const layers = new Map<string, VarLayer>();
  const issues: InputIssue[] = [];
  if (!existsSync(dir)) return { layers, issues };
  const scope: VarScope = folder === 'host_vars' ? 'host' : 'group';
  const what = folder === 'host_vars' ? 'host' : 'group';
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));

  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    const at = { file: displayPath(file, opts.cwd), line: 1, col: 1 };
    if (entry.isDirectory()) {
      issues.push({ location: at, path: [], message: `Expected ${folder}/<${what}>.yaml files, found a folder (vars folders are not supported)` });
      continue;
    }
    const ext = EXTENSIONS.find((e) => entry.name.endsWith(e));
    if (!ext) continue; // READMEs and editor backups are not vars files
    const name = entry.name.slice(0, -ext.length);
    if (known && !known.includes(name)) {
      issues.push({ location: at, path: [], message: `No ${what} "${name}" in this inventory${didYouMean(name, known)}` });
      continue;
    }
    if (layers.has(name)) {
      issues.push({ location: at, path: [], message: `Both ${name}.yaml and ${name}.yml exist in ${folder}/; keep one` });
      continue;
    }
    const doc = await readYamlFile(file, opts);
    issues.push(...doc.issues);
    if (!doc.ok) continue;
    const parsed = VarsFileSchema.safeParse(doc.value ?? Object.create(null));
    if (!parsed.success) {
      issues.push(...zodIssuesToInputIssues(parsed.error.issues, { doc, schema: VarsFileSchema }));
      continue;
    }
    layers.set(name, layerFromDoc(doc, [], scope));
  }
  return { layers, issues };
}
