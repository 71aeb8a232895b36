/**
 * `git`: a repository's files at a ref (commit, tag or branch) in a folder on the host, without
 * the repository's history (no .git: code to run, not a working copy to commit from).
 *
 *   - name: site code at v3
 *     git:
 *       repo: https://git.example.net/shop/site.git
 *       ref: v3
 *       dest: /opt/wordpress/customizations/v3
 *
 * The host clones into a temp folder beside `dest`, checks the ref out, drops .git, writes the
 * stamp `<dest>/.wpha-git` (which repository and ref, and the commit it resolved to), then
 * renames the folder into place: a failed clone or an unknown ref leaves `dest` as it was. The
 * probe reads only the stamp, so a converged host does not touch the network: the same repo and
 * ref are not fetched again (a tag or branch moved upstream is not followed; use a new ref, best a
 * new `dest` per ref and a symlink switch). A folder at `dest` without the stamp is refused.
 * The repository URL may hold credentials: they are masked in every message.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { sh } from '../shell/quote.js';
import { absolutePath, accountName, joinSteps, planError, sha256Hex } from './lib/index.js';
import type { OpModule, OpPlan, ProbeOutput } from './types.js';

/** The stamp inside `dest`: `source=<sha256 of repo and ref>` and `commit=<resolved commit>`. */
export const GIT_STAMP = '.wpha-git';

const gitArgs = once(() =>
  z
    .object({
      repo: z
        .string()
        .min(1)
        .refine((v) => !/[\s\0]/.test(v), { message: 'must not contain whitespace' })
        .refine((v) => !v.startsWith('-'), { message: 'must not start with "-"' })
        .describe('Repository the host clones: a URL (https://, ssh://, git://, file://) or an absolute path on the host.'),
      ref: z
        .string()
        .min(1)
        .refine((v) => !/[\s\0]/.test(v) && !v.startsWith('-') && !v.includes('..'), { message: 'must be a commit, tag or branch name (no whitespace, no leading "-", no "..")' })
        .describe('Commit (full or abbreviated), tag or branch checked out.'),
      dest: absolutePath()
        .refine((p) => p !== '/', { message: 'must not be "/"' })
        .describe('Folder the files are placed in (its parents are created).'),
      owner: accountName('owner').optional().describe('Owner of the files (chown -R); default root.'),
      group: accountName('group').optional().describe('Group of the files; default root.'),
      timeout: z.number().int().positive().max(86_400).default(600).describe('Seconds allowed for the clone.'),
    })
    .strict(),
);

export type GitArgs = z.output<ReturnType<typeof gitArgs>>;
export type GitPrepared = GitArgs & { source: string };
export type GitState = { type: 'absent' | 'link' | 'other' } | { type: 'directory'; source?: string; commit?: string };

/** The URL as shown: `user:password@` masked. Paths and scp-like `git@host:` stay as they are. */
export function displayRepo(repo: string): string {
  return repo.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

export function gitProbe(a: Pick<GitPrepared, 'dest'>): string {
  return [
    sh`if [ -L ${a.dest} ]; then echo link`,
    sh`elif [ -d ${a.dest} ]; then echo directory; if [ -f ${`${a.dest}/${GIT_STAMP}`} ]; then head -c 300 ${`${a.dest}/${GIT_STAMP}`}; echo; fi`,
    sh`elif [ -e ${a.dest} ]; then echo other`,
    'else echo absent; fi',
  ].join('\n');
}

export function parseGit(out: ProbeOutput): GitState {
  const lines = out.stdout.split('\n').map((l) => l.trim());
  const type = lines[0];
  if (type === 'directory') {
    const value = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
    const source = value('source');
    const commit = value('commit');
    return { type, ...(source ? { source } : {}), ...(commit ? { commit } : {}) };
  }
  if (type === 'absent' || type === 'link' || type === 'other') return { type };
  throw new Error(`Unexpected git probe output: ${JSON.stringify(out.stdout.slice(0, 200))}`);
}

/** Clone, check out, drop .git, stamp, own, then rename into place; any failure leaves dest. */
export function checkoutFragment(a: GitPrepared): string {
  const slash = a.dest.lastIndexOf('/');
  const parent = a.dest.slice(0, slash) || '/';
  const base = a.dest.slice(slash + 1);
  const shown = displayRepo(a.repo);
  const owner = a.owner !== undefined || a.group !== undefined ? `${a.owner ?? 'root'}:${a.group ?? 'root'}` : '';
  const fail = (msg: string) => sh`{ rm -rf -- "$_wpd"; echo ${msg} >&2; exit 1; }`;
  return joinSteps(
    `command -v git >/dev/null 2>&1 || ${fail('git is not installed on the host; install it first (apt: git)')}`,
    'umask 022',
    sh`mkdir -p -- ${parent}`,
    sh`_wpd=$(mktemp -d ${`${parent}/.${base}.wpha-XXXXXX`})`,
    // git's own message says why (not found, refused...), with any credentials masked.
    sh`if ! _wpe=$(GIT_TERMINAL_PROMPT=0 timeout ${String(a.timeout)} git clone -q --no-checkout -- ${a.repo} "$_wpd/x" 2>&1); then printf '%s\\n' "$_wpe" | sed -E 's#(://)[^/@]*@#\\1***@#g' >&2; rm -rf -- "$_wpd"; echo ${`cannot clone "${shown}"`} >&2; exit 1; fi`,
    sh`_wpc=$(cd "$_wpd/x" && { git rev-parse -q --verify ${`${a.ref}^{commit}`} || git rev-parse -q --verify ${`origin/${a.ref}^{commit}`}; }) || ` + fail(`ref "${a.ref}" is not in "${shown}"`),
    sh`git -C "$_wpd/x" -c advice.detachedHead=false checkout -q --detach "$_wpc" || ` + fail(`cannot check out "${a.ref}"`),
    'rm -rf -- "$_wpd/x/.git"',
    sh`printf 'source=%s\\ncommit=%s\\n' ${a.source} "$_wpc" > "$_wpd/x/"${GIT_STAMP}`,
    owner ? sh`chown -R -- ${owner} "$_wpd/x" || { rm -rf -- "$_wpd"; exit 1; }` : '',
    'chmod 0755 "$_wpd/x"',
    sh`if [ -e ${a.dest} ]; then mv -T -- ${a.dest} "$_wpd/old"; fi; mv -T -- "$_wpd/x" ${a.dest} && rm -rf -- "$_wpd"`,
  );
}

export function planGit(a: GitPrepared, s: GitState, ctx: { host: string }): OpPlan {
  const what = `${displayRepo(a.repo)} at ${a.ref}`;
  if (s.type === 'link' || s.type === 'other') throw planError('git', ctx, `"${a.dest}" exists and is not a folder (it is a ${s.type === 'link' ? 'symbolic link' : 'special file'})`);
  if (s.type === 'directory' && s.source === a.source) return { changed: false, summary: [] };
  if (s.type === 'directory' && s.source === undefined) {
    throw planError('git', ctx, `"${a.dest}" is a folder that the git operation did not make (no ${GIT_STAMP} in it): refusing to replace it; remove it or choose another dest`);
  }
  const summary = s.type === 'directory' ? [`replace ${a.dest} (commit ${(s.commit ?? '?').slice(0, 12)}) with ${what}`] : [`check out ${what} into ${a.dest}`];
  return { changed: true, summary, apply: checkoutFragment(a) };
}

const gitOp: OpModule<GitArgs, GitPrepared, GitState> = {
  name: 'git',
  summary: "A repository's files at a commit, tag or branch in a folder on the host (cloned by the host, without .git); only when the repository or ref changed.",
  get args() {
    return gitArgs();
  },
  prepare: (a) => ({ ...a, source: sha256Hex(`${a.repo}\n${a.ref}`) }),
  resources: (a) => [a.dest],
  probe: (a) => gitProbe(a),
  parse: (out) => parseGit(out),
  plan: (a, s, ctx) => planGit(a, s, ctx),
};

export default gitOp;
