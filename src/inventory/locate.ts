/**
 * Finds an inventory folder from what the user typed after `-i`: a path (to the folder or to its
 * inventory.yaml), or a name looked up in ./inventories/ and then in wpha's own inventories/.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { didYouMean } from '../yaml/suggest.js';

export const INVENTORY_FILE = 'inventory.yaml';

export interface LocateOptions {
  cwd: string;
  /** wpha's package root (holds the shipped inventories/). */
  projectRoot: string;
}

const looksLikePath = (name: string): boolean => name.includes('/') || name.startsWith('.') || name.endsWith('.yaml');

export function resolveInventoryDir(name: string, opts: LocateOptions): string {
  if (name.trim() === '') throw new UserError('No inventory given: pass -i NAME or -i PATH');
  const searchRoots = [path.join(opts.cwd, 'inventories'), path.join(opts.projectRoot, 'inventories')];
  const candidates = looksLikePath(name) ? [path.resolve(opts.cwd, name)] : [path.resolve(opts.cwd, name), ...searchRoots.map((r) => path.join(r, name))];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    if (statSync(candidate).isFile() && path.basename(candidate) === INVENTORY_FILE) return path.dirname(candidate);
    // A bare name only matches a folder in the working directory if it holds an inventory.
    if (statSync(candidate).isDirectory() && existsSync(path.join(candidate, INVENTORY_FILE))) return candidate;
  }
  if (looksLikePath(name)) throw new UserError(`Inventory "${name}" not found: no ${INVENTORY_FILE} at ${path.resolve(opts.cwd, name)}`);
  const known = searchRoots.flatMap(listInventories);
  throw new UserError(`Inventory "${name}" not found in ./inventories/ or in wpha's inventories/${didYouMean(name, known)}`);
}

function listInventories(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, INVENTORY_FILE)))
    .map((e) => e.name);
}
