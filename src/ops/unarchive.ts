/**
 * `unarchive`: unpack a folder or a tar archive from the controller, or a tar archive the host
 * downloads (`url` + `sha256`), into a folder on the host.
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
 *
 *   - name: WordPress release
 *     unarchive:
 *       url: https://wordpress.org/wordpress-6.7.1.tar.gz
 *       sha256: "<64 hex digits>"          # required with url: a mismatch fails and changes nothing
 *       dest: /opt/wordpress/releases/6.7.1
 *       strip_components: 1                 # the archive's top folder (wordpress/)
 *       exclude: [wp-config.php]
 *       require: [wp-settings.php]          # not in the archive: fail, change nothing
 *
 * With `url` the host downloads (curl, else wget) into the temp folder beside `dest` and checks
 * the sha256 before unpacking; the stamp holds the archive's sha256 (and the unpack options), so a
 * converged host downloads nothing.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { httpUrlArg, sha256Arg } from './lib/common-args.js';
import { once } from './lib/lazy.js';
import { InputError } from '../errors.js';
import { sh } from '../shell/quote.js';
import { displayUrl, downloadCommands } from './get_url.js';
import { absolutePath, accountName, joinSteps, planError, sha256Hex } from './lib/index.js';
import { packFolder, TarPackError } from './lib/tar-pack.js';
import type { OpModule, OpPlan, ProbeOutput } from './types.js';

/** Name of the stamp file inside `dest`: the sha256 of what was unpacked there. */
export const STAMP = '.wpha-unarchive';

const fileName = once(() =>
  z
    .string()
    .min(1)
    .regex(/^[^/]+$/, { message: 'must be a file name, without "/"' }),
);

const unarchiveArgs = once(() =>
  z
    .object({
      src: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Controller path of a folder or a tar archive (plain, gzip, xz or bzip2): absolute, relative to base_dir, or (archives only) relative to the role's files/ folder. Exactly one of src and url.",
        ),
      url: httpUrlArg()
        .refine((u) => !/[\s\0]/.test(u), { message: 'must not contain whitespace' })
        .optional()
        .describe('http(s) URL of a tar archive the host downloads (with sha256). Exactly one of src and url.'),
      sha256: sha256Arg().optional().describe('sha256 of the archive at url (required with url): checked before anything is unpacked.'),
      timeout: z.number().int().positive().max(86_400).default(900).describe('Seconds allowed for the download of url.'),
      base_dir: absolutePath().optional().describe('Controller folder a relative src is resolved against (e.g. "{{ inventory_dir }}").'),
      dest: absolutePath()
        .refine((p) => p !== '/', { message: 'must not be "/"' })
        .describe('Absolute path of the folder to create on the host (its parents are created).'),
      exclude: z.array(fileName()).default([]).describe('Names skipped at any depth, when packing a folder or unpacking an archive, e.g. [.git].'),
      strip_components: z.number().int().min(0).max(8).default(0).describe("Leading folders dropped from the archive's paths (tar --strip-components), e.g. 1 for a release's top folder."),
      require: z
        .array(
          z
            .string()
            .min(1)
            .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), { message: 'must be a relative path inside the archive' }),
        )
        .default([])
        .describe('Paths that must exist in the unpacked tree (after strip_components); else the task fails and dest stays as it was.'),
      owner: accountName('owner').optional().describe('Owner of everything unpacked (chown -R); default root.'),
      group: accountName('group').optional().describe('Group of everything unpacked; default root.'),
    })
    .strict()
    .superRefine((a, ctx) => {
      if ((a.src === undefined) === (a.url === undefined)) ctx.addIssue({ code: 'custom', path: ['src'], message: 'give exactly one of src and url' });
      if (a.url !== undefined && a.sha256 === undefined) ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'a sha256 is required with url (a download without a checksum is refused)' });
      if (a.url === undefined && a.sha256 !== undefined) ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'only applies to url (a controller source is hashed by wpha)' });
    }),
);

export type UnarchiveArgs = z.output<ReturnType<typeof unarchiveArgs>>;

export interface UnarchivePrepared {
  /** What is unpacked, as shown (a controller path, or the URL with credentials masked). */
  src: string;
  dest: string;
  owner?: string;
  group?: string;
  /** The tar bytes sent to the host (none for a url: the host downloads them). */
  content: Buffer;
  /** The stamp: the sha256 of the bytes, with the unpack options when there are any. */
  sha256: string;
  /** Whether src was a folder (packed here), an archive file (sent as it is) or a url. */
  kind: 'folder' | 'archive' | 'url';
  /** The sha256 of the archive's bytes (staged under that name, or checked after the download). */
  archiveSha256: string;
  /** url only: what the host downloads. */
  url?: string;
  timeout?: number;
  exclude?: string[];
  stripComponents?: number;
  require?: string[];
}

export type UnarchiveState = { type: 'absent' | 'link' | 'other' } | { type: 'directory'; stamp?: string };

function readSource(a: UnarchiveArgs & { src: string }, readRoleFile: (rel: string) => Buffer): { content: Buffer; kind: 'folder' | 'archive' } {
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

/** The stamp: the archive's sha256, with the options that change what it unpacks to. */
export function stampOf(archiveSha: string, o: { exclude: string[]; strip: number; require: string[] }): string {
  if (o.exclude.length === 0 && o.strip === 0 && o.require.length === 0) return archiveSha;
  return sha256Hex(`${archiveSha}\n${JSON.stringify(o)}`);
}

/**
 * Unpack into a temp folder beside dest (after downloading into it, for a url), check it, own
 * it, stamp it, then rename it into place. Any failure removes the temp folder: dest stays.
 */
export function unpackFragment(a: UnarchivePrepared): string {
  const slash = a.dest.lastIndexOf('/');
  const parent = a.dest.slice(0, slash) || '/';
  const base = a.dest.slice(slash + 1);
  const owner = a.owner !== undefined || a.group !== undefined ? `${a.owner ?? 'root'}:${a.group ?? 'root'}` : '';
  const fail = (msg: string) => sh`{ rm -rf -- "$_wpd"; echo ${msg} >&2; exit 1; }`;
  const archive = a.kind === 'url' ? '"$_wpd/archive"' : sh`"$WPHA_STAGE/"${a.archiveSha256}`;
  const options = [...(a.stripComponents ? [`--strip-components=${a.stripComponents}`] : []), ...(a.exclude ?? []).map((n) => `--exclude=${n}`)];
  return joinSteps(
    'umask 022',
    sh`mkdir -p -- ${parent}`,
    sh`_wpd=$(mktemp -d ${`${parent}/.${base}.wpha-XXXXXX`})`,
    a.kind === 'url' ? downloadCommands({ url: a.url!, sha256: a.archiveSha256, timeout: a.timeout ?? 900, tmp: '"$_wpd/archive"', cleanup: 'rm -rf -- "$_wpd"' }) : '',
    'mkdir -- "$_wpd/x"',
    `tar -xf ${archive} -C "$_wpd/x" -m --no-same-owner${options.map((o) => ` ${sh`${o}`}`).join('')} || ${fail(`cannot unpack into "${a.dest}"`)}`,
    a.kind === 'url' ? 'rm -f -- "$_wpd/archive"' : '',
    ...(a.require ?? []).map(
      (p) =>
        sh`[ -e "$_wpd/x/"${p} ] || ` +
        fail(`${a.src} holds no "${p}"${a.stripComponents ? ` (after dropping ${a.stripComponents} leading folder${a.stripComponents > 1 ? 's' : ''})` : ''}: nothing was changed`),
    ),
    owner ? sh`chown -R -- ${owner} "$_wpd/x" || { rm -rf -- "$_wpd"; exit 1; }` : '',
    sh`chmod 0755 "$_wpd/x" && printf '%s\\n' ${a.sha256} > "$_wpd/x/"${STAMP}`,
    sh`if [ -e ${a.dest} ]; then mv -T -- ${a.dest} "$_wpd/old"; fi; mv -T -- "$_wpd/x" ${a.dest} && rm -rf -- "$_wpd"`,
  );
}

export function planUnarchive(a: UnarchivePrepared, s: UnarchiveState, ctx: { host: string }): OpPlan {
  const what =
    a.kind === 'url'
      ? `archive ${a.src} (sha256 ${a.archiveSha256.slice(0, 12)}, downloaded by the host)`
      : `${a.kind === 'folder' ? 'folder' : 'archive'} ${a.src} (${a.content.length} bytes, sha256 ${a.archiveSha256.slice(0, 12)})`;
  if (s.type === 'link' || s.type === 'other') throw planError('unarchive', ctx, `"${a.dest}" exists and is not a folder (it is a ${s.type === 'link' ? 'symbolic link' : 'special file'})`);
  if (s.type === 'directory' && s.stamp === a.sha256) return { changed: false, summary: [] };
  if (s.type === 'directory' && s.stamp === undefined) {
    throw planError('unarchive', ctx, `"${a.dest}" is a folder that unarchive did not make (no ${STAMP} in it): refusing to replace it; remove it or choose another dest`);
  }
  const summary =
    s.type === 'directory' ? [`replace ${a.dest} (its content changed: sha256 ${(s.stamp ?? '').slice(0, 12)} -> ${a.sha256.slice(0, 12)}) with ${what}`] : [`unpack ${what} into ${a.dest}`];
  return {
    changed: true,
    summary,
    apply: unpackFragment(a),
    ...(a.kind === 'url' ? {} : { files: [{ sha256: a.archiveSha256, content: a.content }] }),
    ...(s.type === 'directory' ? { warnings: [`"${a.dest}" was replaced in place; a new dest per version and a symlink switch change versions atomically`] } : {}),
  };
}

const unarchiveOp: OpModule<UnarchiveArgs, UnarchivePrepared, UnarchiveState> = {
  name: 'unarchive',
  summary: 'Unpack a controller folder (packed deterministically), a tar archive, or a tar archive downloaded from a URL (checked by sha256) into a folder on the host; only when its sha256 changed.',
  get args() {
    return unarchiveArgs();
  },
  prepare(a, ctx) {
    const opts = { exclude: a.exclude, strip: a.strip_components, require: a.require };
    const unpack = { owner: a.owner, group: a.group, exclude: a.exclude, stripComponents: a.strip_components, require: a.require };
    if (a.url !== undefined) {
      const archiveSha256 = a.sha256!;
      return { src: displayUrl(a.url), dest: a.dest, ...unpack, content: Buffer.alloc(0), kind: 'url', url: a.url, archiveSha256, timeout: a.timeout, sha256: stampOf(archiveSha256, opts) };
    }
    const src = a.src!;
    let source: { content: Buffer; kind: 'folder' | 'archive' };
    try {
      source = readSource({ ...a, src }, (rel) => ctx.readRoleFile(rel));
    } catch (e) {
      const why = e instanceof TarPackError ? e.message : (e as Error).message;
      throw new InputError([{ path: ['src'], message: `cannot read "${src}"${a.base_dir ? ` (in "${a.base_dir}")` : ''}: ${why}` }], 'Invalid unarchive');
    }
    // A packed folder already left the excluded names out; tar skips them in an archive.
    const folder = source.kind === 'folder';
    const archiveSha256 = sha256Hex(source.content);
    return { src, dest: a.dest, ...unpack, ...(folder ? { exclude: [] } : {}), ...source, archiveSha256, sha256: stampOf(archiveSha256, folder ? { ...opts, exclude: [] } : opts) };
  },
  resources: (a) => [a.dest],
  probe: (a) => unarchiveProbe(a),
  parse: (out) => parseUnarchive(out),
  plan: (a, s, ctx) => planUnarchive(a, s, ctx),
};

export default unarchiveOp;
