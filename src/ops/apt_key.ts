/**
 * `apt_key`: install a repository signing key as /etc/apt/keyrings/<name>.asc (ASCII-armored) or
 * .gpg (binary), 0644 root:root, for an `apt_repository` to reference with `signed_by`. (The old
 * global trusted.gpg / apt-key mechanism is deprecated: a key trusted for one repository only is
 * what Debian recommends.)
 *
 *   - name: ProxySQL signing key
 *     apt_key: { name: proxysql, src: proxysql-repo.asc }
 *   - name: Zabbix signing key, downloaded by the host
 *     apt_key: { name: zabbix, url: "https://repo.zabbix.com/zabbix-official-repo.key", sha256: "<hex>", format: armored }
 *
 * The key comes from `content` (text), `src` (a file in the role's files/ folder), or `url` with a
 * required `sha256` (downloaded on the host with curl or wget, verified, renamed into place).
 * The format is detected from the content (an armored key begins with "-----BEGIN PGP PUBLIC KEY
 * BLOCK-----"); for a URL it comes from a .asc/.gpg suffix or `format`. A changed key is a
 * barrier: later probes on the host are re-read.
 */
import { z } from 'zod';
import { baseNameArg, httpUrlArg, sha256Arg } from './lib/common-args.js';
import { once } from './lib/lazy.js';
import { InputError } from '../errors.js';
import { sh } from '../shell/quote.js';
import { displayUrl, downloadFragment } from './get_url.js';
import { attrChanges, attrsFragment, FILE_PRELUDE, fileStateProbe, joinSteps, parseFileState, planError, planFile, sha256Hex, type FileState } from './lib/index.js';
import type { OpModule, OpPlan } from './types.js';

export const KEYRING_DIR = '/etc/apt/keyrings';
const ARMOR_HEADER = '-----BEGIN PGP PUBLIC KEY BLOCK-----';
const KEY_ATTRS = { mode: '0644', owner: 'root', group: 'root' };

const aptKeyArgs = once(() =>
  z
    .object({
      name: baseNameArg().describe('Key file base name: /etc/apt/keyrings/<name>.asc or .gpg.'),
      content: z.string().min(1).optional().describe('The key itself (armored text).'),
      src: z.string().min(1).optional().describe("Key file in the role's files/ folder (armored or binary)."),
      url: httpUrlArg().optional().describe('Where the host downloads the key (needs sha256).'),
      sha256: sha256Arg().optional().describe('sha256 of the key file at url (required with url; checked for content/src when given).'),
      format: z.enum(['armored', 'binary']).optional().describe('Key format when it cannot be detected (a URL without .asc/.gpg suffix).'),
    })
    .strict()
    .superRefine((a, ctx) => {
      const sources = [a.content, a.src, a.url].filter((v) => v !== undefined).length;
      if (sources !== 1) ctx.addIssue({ code: 'custom', path: ['content'], message: 'give exactly one of content, src or url' });
      if (a.url !== undefined && a.sha256 === undefined) ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'a key downloaded from url needs its sha256' });
      // Runs even when url failed its own check (and at load time on "{{ var }}/key.asc"): never throw.
      if (a.url !== undefined && URL.canParse(a.url) && a.format === undefined && !/\.(asc|gpg)$/.test(new URL(a.url).pathname)) {
        ctx.addIssue({ code: 'custom', path: ['format'], message: 'the URL does not end in .asc or .gpg: say format: armored or binary' });
      }
    }),
);

export type AptKeyArgs = z.output<ReturnType<typeof aptKeyArgs>>;

export type AptKeyPrepared = { name: string; path: string; kind: 'content'; content: Buffer; sha256: string } | { name: string; path: string; kind: 'url'; url: string; sha256: string };

/** armored / binary from the bytes; throws when they are neither. */
export function detectKeyFormat(bytes: Buffer): 'armored' | 'binary' {
  const head = bytes.subarray(0, 200).toString('latin1').trimStart();
  if (head.startsWith(ARMOR_HEADER)) return 'armored';
  // OpenPGP packets start with a byte whose high bit is set (public-key packet: 0x99 or 0xC6).
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0 && !/^[\x09\x0a\x0d\x20-\x7e]*$/.test(head)) return 'binary';
  throw new Error(`does not look like an OpenPGP public key (neither "${ARMOR_HEADER}" nor binary key packets)`);
}

const aptKeyOp: OpModule<AptKeyArgs, AptKeyPrepared, FileState> = {
  name: 'apt_key',
  summary: 'Install a repository signing key into /etc/apt/keyrings/ for signed_by.',
  prelude: FILE_PRELUDE,
  get args() {
    return aptKeyArgs();
  },
  barrier: true,
  prepare(a, ctx) {
    if (a.url !== undefined) {
      const ext = a.format ? (a.format === 'armored' ? 'asc' : 'gpg') : new URL(a.url).pathname.endsWith('.asc') ? 'asc' : 'gpg';
      return { name: a.name, path: `${KEYRING_DIR}/${a.name}.${ext}`, kind: 'url', url: a.url, sha256: a.sha256 as string };
    }
    const bytes = a.content !== undefined ? Buffer.from(a.content) : ctx.readRoleFile(a.src as string);
    let format: 'armored' | 'binary';
    try {
      format = detectKeyFormat(bytes);
    } catch (e) {
      throw new InputError([{ path: [a.content !== undefined ? 'content' : 'src'], message: `key "${a.name}" ${(e as Error).message}` }], 'Invalid apt_key');
    }
    const sha = sha256Hex(bytes);
    if (a.sha256 !== undefined && a.sha256 !== sha) throw new InputError([{ path: ['sha256'], message: `key "${a.name}" has sha256 ${sha}, expected ${a.sha256}` }], 'Invalid apt_key');
    return { name: a.name, path: `${KEYRING_DIR}/${a.name}.${format === 'armored' ? 'asc' : 'gpg'}`, kind: 'content', content: bytes, sha256: sha };
  },
  resources: (a) => [a.path],
  probe: (a) => fileStateProbe(a.path, { content: 'sha' }),
  parse: (out, a) => parseFileState(out, a.path),
  plan(a, s, ctx): OpPlan {
    // Debian 12's apt ships /etc/apt/keyrings; older or trimmed hosts may lack it.
    const mkdir = s.type === 'absent' && !s.parentExists ? sh`install -d -m 0755 -- ${KEYRING_DIR}` : '';
    const state: FileState = mkdir ? { ...s, parentExists: true } : s;
    if (a.kind === 'content') {
      const { contentChanged: _c, attrsChanged: _a, ...p } = planFile({ op: 'apt_key', path: a.path, content: a.content, attrs: KEY_ATTRS }, state, { ...ctx, diff: false });
      if (p.changed && mkdir) p.apply = joinSteps(mkdir, p.apply ?? '');
      return p;
    }
    if (s.type === 'link' || s.type === 'directory' || s.type === 'other') throw planError('apt_key', ctx, `"${a.path}" exists and is not a regular file`);
    if (s.type === 'file' && s.sha256 === a.sha256) {
      const lines = attrChanges(KEY_ATTRS, s).map((l) => `${a.path}: ${l}`);
      return lines.length ? { changed: true, summary: lines, apply: attrsFragment(a.path, KEY_ATTRS) } : { changed: false, summary: [] };
    }
    const fragment = downloadFragment({ url: a.url, dest: a.path, sha256: a.sha256, insecure_no_checksum: false, timeout: 60, ...KEY_ATTRS });
    return { changed: true, summary: [`${s.type === 'absent' ? 'install' : 'replace'} key ${a.path} from ${displayUrl(a.url)}`], apply: mkdir ? joinSteps(mkdir, fragment) : fragment };
  },
};

export default aptKeyOp;
