/**
 * The roles of a load, kept on the controller for the next run that reads the same files
 * (`$XDG_CACHE_HOME/wpha/roles/`, one file per inventory, working folder and role list). Loading
 * and checking the roles of the full lab stack (23 roles, ~220 KB of YAML, every template
 * compiled) took ~250-290 ms of every run's start-up; a kept copy is read and checked in a few.
 *
 * Never stale: a kept copy is used only when the wpha code that made it is the code running (the
 * bundle, by size and modification time; runs from dist/ modules keep nothing) and the digest of
 * every file the load read is the same: each role's folder (names, links and contents; a role's
 * files/ by name, size and time, as loading only looks for them; its .git not at all), the
 * partials folders, the `shared.yaml` files, and which search folder each role was found in.
 * Roles with an issue or a vault value are never kept (the play loader sees to both).
 * `WPHA_ROLE_CACHE=off` turns it off. A file no run used for 30 days is removed by the next run
 * that writes one.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { userCacheDir } from '../paths.js';
import type { RoleSpec } from '../model.js';
import type { RoleCache, RoleCacheKey } from '../play/load.js';
import { ROLE_FILE } from '../roles/load-role-file.js';
import { SHARED_FILE } from '../roles/shared-vars.js';
import { partialDirs } from './check-templates.js';
import { digestInputs, type LoadInputs } from './input-digest.js';
import { decodePlainData, encodePlainData } from './plain-data.js';

/** Bumped when what a cache file holds changes shape. */
const FORMAT = 1;
/** A cache file no run used for this long is removed by the next run that writes one (inventories come and go). */
const UNUSED_MS = 30 * 24 * 3600_000;
/** Files changed less than this before a load began are not trusted to be what it read (timestamps' and clocks' granularity). */
const RACY_MS = 2000;

interface Entry {
  format: number;
  code: string;
  key: string;
  inputs: LoadInputs;
  digest: string;
  roles: Map<string, RoleSpec>;
}

export function roleCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return userCacheDir('roles', env);
}

/**
 * Which code is running, when one file holds all of it (the bundle bin/wpha runs): its path, size
 * and modification time. Undefined when running from dist/'s modules, where no one file says it.
 */
export function runningCodeId(file: string = fileURLToPath(import.meta.url)): string | undefined {
  if (!file.endsWith('.cjs')) return undefined;
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? `${file}:${st.size}:${st.mtimeMs}` : undefined;
}

/** What a load of these roles read (see the file's comment). */
export function roleInputs(key: RoleCacheKey, roles: ReadonlyMap<string, RoleSpec>): LoadInputs {
  const roleDirs = [...roles.values()].map((r) => r.dir);
  const sharedDirs = [...new Set([...roleDirs.map((d) => path.dirname(d)), ...key.searchDirs])];
  return {
    trees: [...roleDirs, ...partialDirs({ dir: key.inventoryDir, roles }).filter((d) => !roleDirs.some((r) => d.startsWith(`${r}${path.sep}`)))],
    files: sharedDirs.map((d) => path.join(d, SHARED_FILE)),
    exists: key.searchDirs.flatMap((sd) => [...roles.keys()].map((name) => path.join(sd, name, ROLE_FILE))),
    namesOnly: ['files'],
    // A role kept as a git checkout: loading reads role.yaml, templates/ and files/, never this.
    skip: ['.git'],
  };
}

/** The role cache in `dir` for the code `code` runs (see runningCodeId). `racyMs`: see RACY_MS. */
export function roleCacheStore(dir: string, code: string, opts: { racyMs?: number } = {}): RoleCache {
  const racyMs = opts.racyMs ?? RACY_MS;
  const fileOf = (key: string) => path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.bin`);
  return {
    get(k) {
      const key = JSON.stringify(k);
      const file = fileOf(key);
      let entry: Entry;
      try {
        entry = decodePlainData(readFileSync(file)) as Entry;
      } catch {
        return undefined; // none yet, or not one this code reads
      }
      if (entry?.format !== FORMAT || entry.code !== code || entry.key !== key || !(entry.roles instanceof Map)) return undefined;
      if (digestInputs(entry.inputs, code).digest !== entry.digest) return undefined;
      try {
        const now = new Date();
        utimesSync(file, now, now); // in use: kept by pruneUnused
      } catch {
        // read-only: it ages, and is written again once removed
      }
      return entry.roles;
    },
    set(k, roles, readSince) {
      const key = JSON.stringify(k);
      const inputs = roleInputs(k, roles);
      const { digest, newest = Number.POSITIVE_INFINITY } = digestInputs(inputs, code, { times: true });
      // A file changed since (or just before) the load read it: what the load saw may not be what
      // the digest saw. Kept by a later run instead.
      if (newest >= readSince - racyMs) return;
      const bytes = encodePlainData({ format: FORMAT, code, key, inputs, digest, roles: new Map(roles) } satisfies Entry);
      if (!bytes) return; // not plain data: nothing kept rather than something that comes back different
      const file = fileOf(key);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(tmp, bytes, { mode: 0o600 });
        renameSync(tmp, file);
        pruneUnused(dir, Date.now() - UNUSED_MS);
      } catch {
        rmSync(tmp, { force: true }); // a read-only home runs without the cache
      }
    },
  };
}

/** Removes the cache files (and leftovers of interrupted writes) not used since `before`. */
export function pruneUnused(dir: string, before: number): void {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.bin') && !name.endsWith('.tmp')) continue;
    const file = path.join(dir, name);
    const st = statSync(file, { throwIfNoEntry: false });
    if (st && st.mtimeMs < before) rmSync(file, { force: true });
  }
}

/** The cache a CLI run uses: none when turned off or when not running from the bundle. */
export function defaultRoleCache(env: NodeJS.ProcessEnv = process.env): RoleCache | undefined {
  if (env.WPHA_ROLE_CACHE === 'off') return undefined;
  const code = runningCodeId();
  return code ? roleCacheStore(roleCacheDir(env), code) : undefined;
}
