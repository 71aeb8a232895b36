/**
 * `unarchive`: unpack a folder or a tar archive from the controller into a folder on the host.
 *
 *   - name: site customizations at a ref
 *     unarchive:
 *       src: customizations            # a folder (packed on the controller) or a .tar/.tar.gz file
 *       base_dir: "{{ inventory_dir }}" # relative src is resolved here (default: the role's files/)
 *       dest: /opt/wordpress/custom/v42
 *       exclude: [.git]
 *
 * A folder is packed deterministically (src/ops/lib/tar-pack.ts: sorted, owner root, time 0,
 * modes 0644/0755), so the sha256 of the bytes names the content. The host keeps that sha256 in
 * `<dest>/.wpha-unarchive`; the probe reads only that file, and the bytes travel (through the
 * stage, over SFTP when large) only when it differs. The archive is unpacked into a temp folder
 * next to `dest`, owned as asked, stamped, then renamed into place: a failed unpack leaves `dest`
 * as it was. A `dest` whose content changed is replaced the same way (a short moment without
 * it: use a new `dest` per version and switch a symlink to change versions atomically). A folder
 * at `dest` that this op did not make (no stamp) is refused, never overwritten.
 * Files get the time of the unpack (so PHP's OPcache and browsers see them as new).
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { sh } from '../shell/quote.js';
import { absolutePath, accountName, joinSteps, planError, sha256Hex } from './lib/index.js';
import { packFolder, TarPackError } from './lib/tar-pack.js';
import type { OpModule, OpPlan, ProbeOutput } from './types.js';

/** Name of the stamp file inside `dest`: the sha256 of what was unpacked there. */
export const STAMP = '.wpha-unarchive';

const unarchiveArgs = z
  .object({
    src: z.string().min(1).describe("Controller path of a folder or a tar archive (plain, gzip, xz or bzip2): absolute, relative to base_dir, or (archives only) relative to the role's files/ folder."),
    base_dir: absolutePath.optional().describe('Controller folder a relative src is resolved against (e.g. "{{ inventory_dir }}").'),
    dest: absolutePath.refine((p) => p !== '/', { message: 'must not be "/"' }).describe('Absolute path of the folder to create on the host (its parents are created).'),
    exclude: z.array(z.string().min(1).regex(/^[^/]+$/, { message: 'must be a file name, without "/"' })).default([]).describe('Names skipped at any depth when packing a folder, e.g. [.git].'),
    owner: accountName('owner').optional().describe('Owner of everything unpacked (chown -R); default root.'),
    group: accountName('group').optional().describe('Group of everything unpacked; default root.'),
  })
  .strict();

export type UnarchiveArgs = z.output<typeof unarchiveArgs>;

export interface UnarchivePrepared {
  src: string;
  dest: string;
  owner?: string;
  group?: string;
  /** The tar bytes sent to the host, and their sha256 (the content's identity). */
  content: Buffer;
  sha256: string;
  /** Whether src was a folder (packed here) or an archive file (sent as it is). */
  kind: 'folder' | 'archive';
}

export type UnarchiveState = { type: 'absent' | 'link' | 'other' } | { type: 'directory'; stamp?: string };

function readSource(a: UnarchiveArgs, readRoleFile: (rel: string) => Buffer): { content: Buffer; kind: 'folder' | 'archive' } {
  const path = isAbsolute(a.src) ? a.src : a.base_dir !== undefined ? join(a.base_dir, a.src) : undefined;
  if (path === undefined) return { content: readRoleFile(a.src), kind: 'archive' };
  if (statSync(path).isDirectory()) return { content: packFolder(path, a.exclude), kind: 'folder' };
  return { content: readFileSync(path), kind: 'archive' };
}

export function unarchiveProbe(a: Pick<UnarchivePrepared, 'dest'>): string {
  const stamp = `${a.dest}/${STAMP}`;
  return [
    sh`if [ -L ${a.dest} ]; then echo link`,
    sh`elif [ -d ${a.dest} ]; then echo directory; if [ -f ${stamp} ]; then printf 'stamp='; head -c 64 ${stamp}; echo; fi`,
    sh`elif [ -e ${a.dest} ]; then echo other`,
    'else echo absent; fi',
  ].join('\n');
}

export function parseUnarchive(out: ProbeOutput): UnarchiveState {
  const lines = out.stdout.split('\n').map((l) => l.trim());
  const type = lines[0];
  if (type === 'directory') {
    const stamp = lines.find((l) => l.startsWith('stamp='))?.slice(6);
    return stamp ? { type, stamp } : { type };
  }
  if (type === 'absent' || type === 'link' || type === 'other') return { type };
  throw new Error(`Unexpected unarchive probe output: ${JSON.stringify(out.stdout.slice(0, 200))}`);
}

/** Unpack into a temp folder beside dest, own it, stamp it, then rename it into place. */
export function unpackFragment(a: UnarchivePrepared): string {
  const slash = a.dest.lastIndexOf('/');
  const parent = a.dest.slice(0, slash) || '/';
  const base = a.dest.slice(slash + 1);
  const owner = a.owner !== undefined || a.group !== undefined ? `${a.owner ?? 'root'}:${a.group ?? 'root'}` : '';
  return joinSteps(
    'umask 022',
    sh`mkdir -p -- ${parent}`,
    sh`_wpu=$(mktemp -d ${`${parent}/.${base}.wpha-XXXXXX`})`,
    sh`tar -xf "$WPHA_STAGE/"${a.sha256} -C "$_wpu" -m --no-same-owner || { rm -rf -- "$_wpu"; echo ${`cannot unpack into "${a.dest}"`} >&2; exit 1; }`,
    owner ? sh`chown -R -- ${owner} "$_wpu" || { rm -rf -- "$_wpu"; exit 1; }` : '',
    sh`chmod 0755 "$_wpu" && printf '%s\\n' ${a.sha256} > "$_wpu/"${STAMP}`,
    sh`if [ -e ${a.dest} ]; then _wpo=$(mktemp -d ${`${parent}/.${base}.wpha-old-XXXXXX`}) && mv -T -- ${a.dest} "$_wpo/old" && mv -T -- "$_wpu" ${a.dest} && rm -rf -- "$_wpo"; else mv -T -- "$_wpu" ${a.dest}; fi`,
  );
}

export function planUnarchive(a: UnarchivePrepared, s: UnarchiveState, ctx: { host: string }): OpPlan {
  const what = `${a.kind === 'folder' ? 'folder' : 'archive'} ${a.src} (${a.content.length} bytes, sha256 ${a.sha256.slice(0, 12)})`;
  if (s.type === 'link' || s.type === 'other') throw planError('unarchive', ctx, `"${a.dest}" exists and is not a folder (it is a ${s.type === 'link' ? 'symbolic link' : 'special file'})`);
  if (s.type === 'directory' && s.stamp === a.sha256) return { changed: false, summary: [] };
  if (s.type === 'directory' && s.stamp === undefined) {
    throw planError('unarchive', ctx, `"${a.dest}" is a folder that unarchive did not make (no ${STAMP} in it): refusing to replace it; remove it or choose another dest`);
  }
  const summary = s.type === 'directory' ? [`replace ${a.dest} (its content changed: sha256 ${(s.stamp ?? '').slice(0, 12)} -> ${a.sha256.slice(0, 12)}) with ${what}`] : [`unpack ${what} into ${a.dest}`];
  return {
    changed: true,
    summary,
    apply: unpackFragment(a),
    files: [{ sha256: a.sha256, content: a.content }],
    ...(s.type === 'directory' ? { warnings: [`"${a.dest}" was replaced in place; a new dest per version and a symlink switch change versions atomically`] } : {}),
  };
}

const unarchiveOp: OpModule<UnarchiveArgs, UnarchivePrepared, UnarchiveState> = {
  name: 'unarchive',
  summary: 'Unpack a controller folder (packed deterministically) or tar archive into a folder on the host; sent only when its sha256 changed.',
  args: unarchiveArgs,
  prepare(a, ctx) {
    let source: { content: Buffer; kind: 'folder' | 'archive' };
    try {
      source = readSource(a, (rel) => ctx.readRoleFile(rel));
    } catch (e) {
      const why = e instanceof TarPackError ? e.message : (e as Error).message;
      throw new InputError([{ path: ['src'], message: `cannot read "${a.src}"${a.base_dir ? ` (in "${a.base_dir}")` : ''}: ${why}` }], 'Invalid unarchive');
    }
    return { src: a.src, dest: a.dest, owner: a.owner, group: a.group, ...source, sha256: sha256Hex(source.content) };
  },
  resources: (a) => [a.dest],
  probe: (a) => unarchiveProbe(a),
  parse: (out) => parseUnarchive(out),
  plan: (a, s, ctx) => planUnarchive(a, s, ctx),
};

export default unarchiveOp;
