/**
 * Extra vars from the command line (highest precedence): `-e key=value` (value parsed as a YAML
 * scalar, so `-e port=8080` is a number and `-e 'v="8080"'` a string) and `-e @file.yaml`
 * (a vars file). Repeatable; a later one wins.
 */
import path from 'node:path';
import type { InputIssue } from '../errors.js';
import { parseYaml } from '../yaml/parse.js';
import type { DecryptTag } from '../yaml/walk.js';
import { RESERVED_VAR_NAMES, reservedVarNameMessage, VAR_NAME, VAR_NAME_RULE } from '../spec/names.js';
import { allFromVault, mergeLayers, type VarLayer } from './var-layers.js';
import { readVarsLayer } from './var-files.js';
import { unloadedFile, type UnloadedSource } from './unloaded.js';
import { displayPath } from '../yaml/read.js';

export interface ExtraVarsOptions {
  cwd: string;
  decryptTag?: DecryptTag;
}

export async function parseExtraVars(args: readonly string[], opts: ExtraVarsOptions): Promise<{ layer: VarLayer; issues: InputIssue[]; unloaded: UnloadedSource[] }> {
  const issues: InputIssue[] = [];
  const unloaded: UnloadedSource[] = [];
  const layers: VarLayer[] = [];
  for (const arg of args) {
    if (arg.startsWith('@')) {
      const file = path.resolve(opts.cwd, arg.slice(1));
      const layer = await readVarsLayer(file, 'extra', opts, issues);
      if (layer) layers.push(layer);
      else unloaded.push(unloadedFile(displayPath(file, opts.cwd)));
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      issues.push({ path: ['-e'], message: `Invalid extra var ${JSON.stringify(arg)}: expected key=value or @file.yaml` });
      continue;
    }
    const name = arg.slice(0, eq);
    const where = [`-e ${name}`];
    if (!VAR_NAME.test(name) || RESERVED_VAR_NAMES.has(name)) {
      issues.push({ path: where, message: RESERVED_VAR_NAMES.has(name) ? reservedVarNameMessage(name) : `${VAR_NAME_RULE}, found ${JSON.stringify(name)}` });
      continue;
    }
    const text = arg.slice(eq + 1);
    // An empty value means the empty string (YAML would read it as null).
    const doc = parseYaml(text === '' ? "''" : text, { file: `-e ${name}`, decryptTag: opts.decryptTag });
    // Any issue counts, not only those that make the value unusable: a `!vault` value that
    // cannot be decrypted leaves an empty value behind, which must not reach a host.
    if (!doc.ok || doc.issues.length > 0) {
      issues.push(...doc.issues.map((i) => ({ path: where, message: i.message })));
      unloaded.push({ path: where, name, what: 'value' });
      continue;
    }
    layers.push(new Map([[name, { value: doc.value, path: where, secret: doc.secretPaths.length > 0, vault: allFromVault(doc.value, [], doc.vaultPaths), scope: 'extra' as const }]]));
  }
  return { layer: mergeLayers(layers), issues, unloaded };
}
