/**
 * Finds what the vault has encrypted under a folder: whole vault files (any file whose first line
 * is an envelope header) and YAML files holding `!vault` values. Symlinks are not followed and
 * VCS / dependency folders are skipped, so a rekey only touches the project's own files.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { looksLikeEnvelope } from '../yaml/vault-file.js';

export interface VaultFileRef {
  file: string;
  kind: 'whole' | 'values';
}

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', 'dist']);
const YAML = /\.ya?ml$/;
/** YAML files larger than the loader accepts cannot hold values wpha reads. */
const MAX_YAML_BYTES = 4 * 1024 * 1024;

export function scanVaultFiles(root: string): VaultFileRef[] {
  const out: VaultFileRef[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const kind = classify(full, entry.name);
      if (kind) out.push({ file: full, kind });
    }
  };
  walk(path.resolve(root));
  return out;
}

/** 'whole' for an envelope file, 'values' for YAML with `!vault` tags, undefined otherwise. */
export function classify(file: string, name = path.basename(file)): VaultFileRef['kind'] | undefined {
  const size = lstatSync(file).size;
  const head = readHead(file, 64);
  if (looksLikeEnvelope(head)) return 'whole';
  if (!YAML.test(name) || size > MAX_YAML_BYTES) return undefined;
  return readHead(file, size).includes('!vault') ? 'values' : undefined;
}

function readHead(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
