/**
 * Where the installed project lives. Shipped roles and inventories sit in the package root,
 * next to dist/ (built) and src/ (under vitest), so the root is found by walking up from this
 * module to the package.json named "wpha": this works from dist/, from src/ and from a copy
 * installed under node_modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'wpha';

/** The project's package root. `from` is for tests; by default, this module's own location. */
export function projectRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the ${PACKAGE_NAME} package root above ${from}`);
    dir = parent;
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}

/** Roles shipped with wpha (searched after an inventory's own roles/). */
export function shippedRolesDir(root: string = projectRoot()): string {
  return path.join(root, 'roles');
}

/** Inventories shipped with wpha (examples and the lab). */
export function shippedInventoriesDir(root: string = projectRoot()): string {
  return path.join(root, 'inventories');
}

/** wpha's own folder `name` in the user's cache (`$XDG_CACHE_HOME/wpha/<name>`, else `~/.cache/wpha/<name>`). */
export function userCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'wpha', name);
}
