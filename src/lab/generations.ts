/**
 * Versioned images of the lab: generations. `base` is the lab's shared base image (built once by
 * debootstrap, never changed in place). Every other generation lives beside it, in
 * `<cache>/images/<id>/`, with a manifest of its package versions:
 *   - a full generation holds a whole root (debootstrap + full-upgrade);
 *   - a derived generation holds only what changed over its parent (the upper layer of an
 *     overlay mount, built with the parent read-only below it), so it costs the size of the
 *     upgrade and the time of one `apt-get full-upgrade`, not of a debootstrap. A host made from it
 *     mounts the whole chain of layers read-only under its own copy-on-write layer.
 * A generation is kept while anything uses it: a mounted host (of any lab on this machine), a host
 * of this lab whose disk is kept, or a generation derived from it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './config.js';
import { labPaths } from './config.js';
import { baseImageReady, imageRecipeId } from './image.js';
import { listHosts } from './host.js';
import { UserError, WphaError } from '../errors.js';

export const BASE_GENERATION = 'base';
export const GENERATION_ID = /^g[1-9][0-9]{0,5}$/;
export const MANIFEST = 'manifest.json';

export interface GenerationManifest {
  id: string;
  /** The generation it was derived from (a derived one), absent for a full one. */
  parent?: string;
  kind: 'base' | 'full' | 'derived';
  built: string;
  suite: string;
  /** Recipe of the lab's base image it sits on (derived from base, directly or not). */
  base_recipe?: string;
  /** apt-get full-upgrade ran while building it. */
  upgraded: boolean;
  /** sha256 of the customization script run while building it, if any. */
  script_sha256?: string;
  note?: string;
  /** Package -> version, as dpkg knows them in the generation. */
  packages: Record<string, string>;
  /** Bytes this generation adds on disk (its layer or root). */
  bytes: number;
}

export const imagesDir = (c: LabConfig): string => path.join(c.cacheDir, 'images');
export const generationDir = (c: LabConfig, id: string): string => path.join(imagesDir(c), id);

/** The folder holding a generation's files: its root (full), its layer (derived), or the base image. */
export function generationFiles(c: LabConfig, m: Pick<GenerationManifest, 'id' | 'kind'>): string {
  if (m.kind === 'base') return labPaths(c).baseImage;
  return path.join(generationDir(c, m.id), m.kind === 'full' ? 'root' : 'layer');
}

export function readGeneration(c: LabConfig, id: string): GenerationManifest | undefined {
  if (id === BASE_GENERATION) return baseReady(c) ? baseManifest(c) : undefined;
  if (!GENERATION_ID.test(id)) return undefined;
  const f = path.join(generationDir(c, id), MANIFEST);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as GenerationManifest) : undefined;
}

/** Every finished generation, base first, then by number. */
export function listGenerations(c: LabConfig): GenerationManifest[] {
  const ids = existsSync(imagesDir(c)) ? readdirSync(imagesDir(c)).filter((n) => GENERATION_ID.test(n)) : [];
  const built = ids
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((id) => readGeneration(c, id))
    .filter((m): m is GenerationManifest => m !== undefined);
  return baseReady(c) ? [baseManifest(c), ...built] : built;
}

const baseReady = (c: LabConfig) => baseImageReady(c);

function baseManifest(c: LabConfig): GenerationManifest {
  const dir = labPaths(c).baseImage;
  const marker = JSON.parse(readFileSync(path.join(dir, '.wpha-image.json'), 'utf8')) as { builtAt: string };
  return { id: BASE_GENERATION, kind: 'base', built: marker.builtAt, suite: c.suite, base_recipe: imageRecipeId(c), upgraded: false, packages: readPackages(dir), bytes: 0 };
}

/** dpkg's view of the packages of a root folder (its status file), without running anything in it. */
export function readPackages(root: string): Record<string, string> {
  const status = path.join(root, 'var/lib/dpkg/status');
  if (!existsSync(status)) return {};
  return parseDpkgStatus(readFileSync(status, 'utf8'));
}

/** Installed packages and versions from a dpkg status file (pure). */
export function parseDpkgStatus(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const stanza of text.split(/\n\n+/)) {
    const field = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(stanza)?.[1]?.trim();
    const name = field('Package');
    const version = field('Version');
    const status = field('Status');
    if (name && version && status?.endsWith(' installed')) out[name] = version;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The read-only layers a host made from `id` mounts, topmost first (overlayfs `lowerdir=` order).
 * Throws when the generation is unknown or sits on a base image that has been rebuilt since.
 */
export function lowerDirs(c: LabConfig, id: string): string[] {
  const out: string[] = [];
  for (let cur: string | undefined = id; cur !== undefined; ) {
    const m = readGeneration(c, cur);
    if (!m) throw new UserError(`Unknown image generation "${cur}"${cur === id ? '' : ` (parent of "${id}")`}: see \`wpha image list\``);
    if (m.kind === 'derived' && m.parent === BASE_GENERATION && m.base_recipe !== imageRecipeId(c)) {
      throw new WphaError(`Image generation "${m.id}" was built over a base image that has been rebuilt since: build a new generation (\`wpha image build\`)`);
    }
    out.push(generationFiles(c, m));
    cur = m.kind === 'derived' ? m.parent : undefined;
  }
  return out;
}

/** Overlay mounts of this machine, as the lower folders each one stacks (from /proc/self/mountinfo). */
export function overlayLowerDirs(mountinfo: string): string[][] {
  return mountinfo
    .split('\n')
    .map((line) => line.split(' - ')[1]?.split(' '))
    .filter((f): f is string[] => f?.[0] === 'overlay')
    .map((f) => /(?:^|,)lowerdir=([^,]*)/.exec(f[2] ?? '')?.[1]?.split(':') ?? []);
}

/** What keeps a generation: mounted hosts, this lab's hosts made from it, generations derived from it. */
export function generationUsers(c: LabConfig, id: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const m = readGeneration(c, id);
  if (!m) return [];
  const files = generationFiles(c, m);
  const users: string[] = [];
  const mounted = overlayLowerDirs(mountinfo).filter((dirs) => dirs.includes(files)).length;
  if (mounted) users.push(`${mounted} mounted host disk(s)`);
  const hosts = listHosts(c)
    .filter((h) => (h.image ?? BASE_GENERATION) === id)
    .map((h) => h.name);
  if (hosts.length) users.push(`lab host(s) ${hosts.join(', ')}`);
  const children = listGenerations(c)
    .filter((g) => g.parent === id)
    .map((g) => g.id);
  if (children.length) users.push(`generation(s) ${children.join(', ')} derived from it`);
  return users;
}

/** Delete a generation nothing uses. The base image is the lab's default and is never deleted here. */
export function deleteGeneration(c: LabConfig, id: string): void {
  if (id === BASE_GENERATION) throw new UserError('Cannot delete image generation "base": it is the lab\'s shared default image');
  if (!readGeneration(c, id)) throw new UserError(`Unknown image generation "${id}": see \`wpha image list\``);
  const users = generationUsers(c, id);
  if (users.length) throw new UserError(`Cannot delete image generation "${id}": it is in use by ${users.join('; ')}`);
  rmSync(generationDir(c, id), { recursive: true, force: true });
}
