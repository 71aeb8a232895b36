/**
 * `get_url`: download a file over HTTP(S) on the host, verified by sha256.
 *
 *   - name: wp-cli
 *     get_url:
 *       url: https://github.com/wp-cli/wp-cli/releases/download/v2.11.0/wp-cli-2.11.0.phar
 *       sha256: "<64 hex digits>"
 *       dest: /usr/local/bin/wp
 *       mode: "0755"
 *
 * The checksum is required: it makes the task idempotent without touching the network (the probe
 * compares the sha256 of `dest`; a matching file is never downloaded again) and refuses tampered
 * or truncated downloads. A download without it must say `insecure_no_checksum: true`; then the
 * file is fetched only when `dest` does not exist.
 * The host downloads with curl, else wget (the task fails clearly when neither is installed),
 * into a temp file next to `dest`, checks the sha256, sets owner/group/mode and renames it into
 * place; any failure leaves the old file as it was. Proxy variables of the host apply.
 */
import { z } from 'zod';
import { httpUrlArg, sha256Arg } from './lib/common-args.js';
import { once } from './lib/lazy.js';
import { sh } from '../shell/quote.js';
import { absolutePath, attrChanges, attrFields, attrsFragment, FILE_PRELUDE, fileStateProbe, joinSteps, parseFileState, planError, type FileState } from './lib/index.js';
import type { OpModule, OpPlan } from './types.js';

const getUrlArgs = once(() =>
  z
    .object({
      url: httpUrlArg()
        .refine((u) => !/[\s\0]/.test(u), { message: 'must not contain whitespace' })
        .describe('http(s) URL to download.'),
      dest: absolutePath().describe('Absolute path of the file to write. Its directory must exist.'),
      sha256: sha256Arg().optional().describe('Expected sha256 of the content (hex). Required unless insecure_no_checksum is true.'),
      insecure_no_checksum: z.boolean().default(false).describe('Allow a download without sha256 (then fetched only when dest is missing, never verified).'),
      timeout: z.number().int().positive().max(86_400).default(60).describe('Seconds allowed for the download (curl --max-time; wget -T).'),
      ...attrFields(),
    })
    .strict()
    .superRefine((a, ctx) => {
      if (a.sha256 === undefined && !a.insecure_no_checksum) {
        ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'a sha256 is required (downloads without a checksum are refused unless insecure_no_checksum: true)' });
      }
      if (a.sha256 !== undefined && a.insecure_no_checksum) {
        ctx.addIssue({ code: 'custom', path: ['insecure_no_checksum'], message: 'cannot be combined with sha256' });
      }
    }),
);

export type GetUrlArgs = z.output<ReturnType<typeof getUrlArgs>>;

/** The URL as shown to people: credentials in it are masked. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  if (u.username || u.password) {
    u.username = '***';
    u.password = '';
  }
  return u.toString();
}

/**
 * Download `url` into the temp file `tmp` (a quoted shell word) with curl, else wget, and check its
 * sha256; on any failure run `cleanup` and fail. Shared with unarchive's url.
 */
export function downloadCommands(o: { url: string; sha256?: string; timeout: number; tmp: string; cleanup: string }): string {
  const shown = displayUrl(o.url);
  const verify = o.sha256
    ? sh`_wph=$(sha256sum < `.concat(
        o.tmp,
        sh`); _wph=\${_wph%% *}
if [ "$_wph" != ${o.sha256} ]; then `,
        o.cleanup,
        sh`; echo ${`checksum mismatch for "${shown}": got`} "$_wph," ${`expected ${o.sha256}`} >&2; exit 1; fi`,
      )
    : '';
  return joinSteps(
    sh`if command -v curl >/dev/null 2>&1; then _wpget="curl -fsSL --max-time "${String(o.timeout)}" -o"; elif command -v wget >/dev/null 2>&1; then _wpget="wget -q -T "${String(o.timeout)}" -O"; else `.concat(
      o.cleanup,
      "; echo 'neither curl nor wget is installed on the host; install one (e.g. apt: curl) first' >&2; exit 1; fi",
    ),
    `if ! $_wpget ${o.tmp} ${sh`${o.url}`}; then ${o.cleanup}; echo ${sh`${`download of "${shown}" failed`}`} >&2; exit 1; fi`,
    verify,
  );
}

/** Download, verify and install (needs FILE_PRELUDE). */
export function downloadFragment(a: GetUrlArgs): string {
  const dir = a.dest.slice(0, a.dest.lastIndexOf('/')) || '/';
  const base = a.dest.slice(a.dest.lastIndexOf('/') + 1);
  return joinSteps(
    sh`if [ ! -d ${dir} ]; then echo ${`directory "${dir}" does not exist (create it first, e.g. with a file task, state: directory)`} >&2; exit 1; fi`,
    sh`_wpt=$(mktemp ${`${dir}/.${base}.wpha-dl-XXXXXX`})`,
    downloadCommands({ url: a.url, sha256: a.sha256, timeout: a.timeout, tmp: '"$_wpt"', cleanup: 'rm -f -- "$_wpt"' }),
    sh`wpha_put "$_wpt" ${a.dest} ${a.mode ?? ''} ${a.owner ?? ''} ${a.group ?? ''} m '' '' '' || { rm -f -- "$_wpt"; exit 1; }`,
  );
}

const getUrlOp: OpModule<GetUrlArgs, GetUrlArgs, FileState> = {
  name: 'get_url',
  summary: 'Download a file over http(s) on the host, verified by sha256, installed atomically.',
  prelude: FILE_PRELUDE,
  get args() {
    return getUrlArgs();
  },
  resources: (a) => [a.dest],
  probe: (a) => fileStateProbe(a.dest, { content: a.sha256 ? 'sha' : 'none' }),
  parse: (out, a) => parseFileState(out, a.dest),
  plan(a, s, ctx): OpPlan {
    if (s.type === 'link') throw planError('get_url', ctx, `"${a.dest}" is a symbolic link; refusing to replace it`);
    if (s.type === 'directory' || s.type === 'other') throw planError('get_url', ctx, `"${a.dest}" exists and is not a regular file`);
    const url = displayUrl(a.url);
    const needDownload = s.type === 'absent' || (a.sha256 !== undefined && s.sha256 !== a.sha256);
    if (needDownload) {
      const why = s.type === 'absent' ? '' : ' (sha256 differs)';
      const plan: OpPlan = { changed: true, summary: [`download ${url} -> ${a.dest}${why}${a.sha256 ? '' : ' WITHOUT checksum verification'}`], apply: downloadFragment(a) };
      if (s.type === 'absent' && !s.parentExists) plan.warnings = [`directory of "${a.dest}" does not exist yet: the apply fails unless an earlier task creates it`];
      return plan;
    }
    const lines = attrChanges(a, s).map((l) => `${a.dest}: ${l}`);
    return lines.length ? { changed: true, summary: lines, apply: attrsFragment(a.dest, a) } : { changed: false, summary: [] };
  },
};

export default getUrlOp;
