/**
 * `apt_repository`: an APT source in deb822 format, /etc/apt/sources.list.d/<name>.sources, and a
 * refresh of the package lists of THAT source only when the file changed.
 *
 *   - name: ProxySQL repository
 *     apt_repository:
 *       name: proxysql
 *       uris: https://repo.proxysql.com/ProxySQL/proxysql-2.6.x/bookworm/
 *       suites: ./
 *       signed_by: /etc/apt/keyrings/proxysql.asc
 *
 * After writing the file the apply runs
 * `apt-get update -o Dir::Etc::sourcelist=<file> -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0`
 * (only this source is fetched; the lists of other sources are kept). If that update fails (bad
 * key, wrong suite, unreachable mirror) the previous file is put back (or the new one removed)
 * and the task fails, so a broken source never stays behind to break every later apt run.
 * `state: absent` removes the file (no refresh needed). Changes are a barrier: later probes on
 * the host are re-read (new packages become installable).
 */
import { z } from 'zod';
import { baseNameArg } from './lib/common-args.js';
import { once } from './lib/lazy.js';
import { sh } from '../shell/quote.js';
import { FILE_PRELUDE, fileStateProbe, parseFileState, planFile, planFileAbsent, sha256Hex, type FileState } from './lib/index.js';
import type { OpModule, OpPlan } from './types.js';

export const SOURCES_DIR = '/etc/apt/sources.list.d';

const word = (what: string, re: RegExp) =>
  z
    .string()
    .min(1)
    .regex(re, { message: `must be ${what}` });
const oneOrMany = <T extends z.ZodType<string>>(item: T) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const URI = once(() => word('a repository URI without spaces (http://, https://, file:/, mirror+http://...)', /^[a-z][a-z0-9+.-]*:\S+$/));
const SUITE = once(() => word('a suite such as "bookworm" or "./" (no spaces)', /^[A-Za-z0-9._/~+-]+$/));
const COMPONENT = once(() => word('a component such as "main" (no spaces)', /^[A-Za-z0-9._/~+-]+$/));
const ARCH = once(() => word('a Debian architecture such as "amd64"', /^[a-z0-9-]+$/));

const aptRepositoryArgs = once(() =>
  z
    .object({
      name: baseNameArg().describe('Source file base name: /etc/apt/sources.list.d/<name>.sources.'),
      uris: oneOrMany(URI()).optional().describe('Repository URI(s).'),
      suites: oneOrMany(SUITE()).optional().describe('Suite(s), e.g. bookworm; an exact path ending in "/" (e.g. "./") for a flat repository.'),
      components: oneOrMany(COMPONENT()).optional().describe('Component(s), e.g. main. Required unless the suite is a path ending in "/".'),
      signed_by: z
        .string()
        .regex(/^\/[^\s]*$/, { message: 'must be the absolute path of a keyring, e.g. /etc/apt/keyrings/x.asc' })
        .optional()
        .describe('Keyring that signs this repository (see apt_key).'),
      arch: oneOrMany(ARCH()).optional().describe('Architectures to fetch (default: all of the host).'),
      types: oneOrMany(z.enum(['deb', 'deb-src']))
        .default(['deb'])
        .describe('deb and/or deb-src.'),
      state: z.enum(['present', 'absent']).default('present').describe('present: write the source; absent: remove it.'),
      update_timeout: z.number().int().positive().default(300).describe('Seconds allowed for the refresh of this source.'),
    })
    .strict()
    .superRefine((a, ctx) => {
      if (a.state === 'absent') return;
      // zod still runs this refinement when an item failed (then the value is not transformed).
      if ((a.suites && !Array.isArray(a.suites)) || (a.uris && !Array.isArray(a.uris))) return;
      if (!a.uris) ctx.addIssue({ code: 'custom', path: ['uris'], message: 'required for state: present' });
      if (!a.suites) ctx.addIssue({ code: 'custom', path: ['suites'], message: 'required for state: present' });
      const flat = a.suites?.some((s) => s.endsWith('/')) ?? false;
      if (a.suites && flat && a.suites.some((s) => !s.endsWith('/'))) ctx.addIssue({ code: 'custom', path: ['suites'], message: 'do not mix flat ("./") and named suites' });
      if (a.suites && flat && a.components) ctx.addIssue({ code: 'custom', path: ['components'], message: 'a flat repository (suite ending in "/") has no components' });
      if (a.suites && !flat && !a.components) ctx.addIssue({ code: 'custom', path: ['components'], message: 'required (e.g. [main]) unless the suite ends in "/"' });
    }),
);

export type AptRepositoryArgs = z.output<ReturnType<typeof aptRepositoryArgs>>;
export type AptRepositoryPrepared = AptRepositoryArgs & { path: string; content: Buffer; sha256: string };

/** The deb822 stanza. Pure. */
export function renderSources(a: AptRepositoryArgs): string {
  const lines = ['# Written by wpha (apt_repository); local changes are overwritten.', `Types: ${a.types.join(' ')}`, `URIs: ${(a.uris ?? []).join(' ')}`, `Suites: ${(a.suites ?? []).join(' ')}`];
  if (a.components) lines.push(`Components: ${a.components.join(' ')}`);
  if (a.arch) lines.push(`Architectures: ${a.arch.join(' ')}`);
  if (a.signed_by) lines.push(`Signed-By: ${a.signed_by}`);
  return `${lines.join('\n')}\n`;
}

export const LISTS_DIR = '/var/lib/apt/lists';

/**
 * Refresh only this source; "$1" is the file (run by wpha_put as its live check, in its own sh).
 *  - umask 022: the engine's 077 would leave list files unreadable to non-root apt users.
 *  - --error-on=any: without it apt only WARNS (exit 0) when the source fails to verify or to
 *    download but older lists of the same URI exist ("the previous index files will be used"),
 *    and a source that does not work would stay.
 *  - The lists folder's mtime is put back: the apt op reads the age of the package lists from it,
 *    and fetching one source says nothing about the others. Without this, on a host without lists
 *    (cloud images) the next install skips its full refresh and finds no Debian package at all.
 */
export function updateThisSource(timeout: number, listsDir = LISTS_DIR): string {
  return [
    'umask 022',
    sh`_wplm=$(stat -c %Y -- ${listsDir} 2>/dev/null) || _wplm=`,
    sh`timeout ${String(timeout)} apt-get update -q --error-on=any -o DPkg::Lock::Timeout=120 -o Dir::Etc::sourcelist="$1" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0`,
    '_wplrc=$?',
    sh`if [ -n "$_wplm" ]; then touch -m -d "@$_wplm" -- ${listsDir} || :; fi`,
    'exit "$_wplrc"',
  ].join('; ');
}

const aptRepositoryOp: OpModule<AptRepositoryArgs, AptRepositoryPrepared, FileState> = {
  name: 'apt_repository',
  summary: 'Write an APT source (deb822 .sources) and refresh only its package lists when it changed.',
  prelude: FILE_PRELUDE,
  get args() {
    return aptRepositoryArgs();
  },
  barrier: true,
  prepare(a) {
    const content = Buffer.from(a.state === 'present' ? renderSources(a) : '');
    return { ...a, path: `${SOURCES_DIR}/${a.name}.sources`, content, sha256: sha256Hex(content) };
  },
  resources: (a) => [a.path],
  probe: (a, ctx) => fileStateProbe(a.path, { content: ctx.diff && a.state === 'present' ? 'if-differs' : 'sha', want: a.sha256 }),
  parse: (out, a) => parseFileState(out, a.path),
  plan(a, s, ctx): OpPlan {
    if (a.state === 'absent') return planFileAbsent('apt_repository', a.path, s, ctx);
    const {
      contentChanged,
      attrsChanged: _a,
      ...p
    } = planFile({ op: 'apt_repository', path: a.path, content: a.content, attrs: { mode: '0644', owner: 'root', group: 'root' }, validateLive: updateThisSource(a.update_timeout) }, s, ctx);
    // An attributes-only change needs no refresh.
    if (contentChanged) p.summary.push('apt-get update (this source only)');
    return p;
  },
};

export default aptRepositoryOp;
