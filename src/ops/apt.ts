/**
 * `apt`: install, upgrade or remove Debian packages.
 *
 * A refresh of the package lists is a means, not an end: with `state: present`, when every
 * package is already installed nothing happens at all (no `apt-get update`, not changed). Only
 * when something must be installed does the apply first refresh the lists, and only if they are
 * older than `cache_valid_time` (or missing, as on a fresh image); the plan names the versions
 * to install only from lists it will not refresh (stale lists' versions may not be the ones
 * installed, and asking builds apt's cache from them: ~0.4 s of CPU on a fresh host). With
 * `state: latest` the candidate versions come from the lists on the host; when those are older than
 * `cache_valid_time` the task is planned as "may upgrade" and the apply refreshes, installs, and
 * reports unchanged if no version moved. `update_cache: true` without `name` refreshes stale lists
 * on its own (then the refresh is the end). `update_cache: false` never refreshes.
 *
 * Installs run `apt-get` non-interactively, keep changed config files (`--force-confold`), wait
 * up to 120 s for the dpkg lock, and skip recommended packages unless `install_recommends`.
 * Whether the op changed something is measured on the host (dpkg versions before and after).
 *
 * Like every multi-step fragment of these ops, each step ends in `|| exit $?` (lib's joinSteps),
 * so a failed step stops the fragment even where the shell ignores `set -e` (a function called
 * from an `||` list).
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { OperationError } from '../errors.js';
import { quote, sh } from '../shell/quote.js';
import { aptProbe, candidateFor, entriesFor, hasFiles, isBroken, isInstalled, PACKAGE_SPEC, parseAptProbe, parsePackageSpec, queryName, type AptState, type PackageSpec } from './apt-state.js';
import { joinSteps } from './lib/plan-file.js';
import { TIME_START, UNCHANGED_MARKER, timeEnd, type OpModule, type OpPlan } from './types.js';

const packageName = once(() => z.string().regex(PACKAGE_SPEC, 'expected a Debian package name (lowercase letters, digits, "+", "-", "."), optionally ":arch" and/or "=version"'));

export const aptArgs = once(() =>
  z
    .strictObject({
      name: z
        .union([packageName(), z.array(packageName()).min(1)])
        .optional()
        .describe('Package name or list of names. `name=version` pins a version, `name:arch` an architecture.'),
      state: z.enum(['present', 'absent', 'latest']).default('present').describe('present: installed (any version unless pinned); latest: the newest candidate; absent: removed.'),
      purge: z.boolean().default(false).describe('With state absent: also delete configuration files (apt-get purge).'),
      update_cache: z.boolean().optional().describe('Without name: refresh the package lists when older than cache_valid_time. With name: false disables the automatic refresh before installs.'),
      cache_valid_time: z.number().int().nonnegative().default(3600).describe('Package lists younger than this many seconds are not refreshed.'),
      install_recommends: z.boolean().default(false).describe('Also install recommended packages (default: --no-install-recommends).'),
    })
    .superRefine((a, ctx) => {
      const names = a.name === undefined ? [] : Array.isArray(a.name) ? a.name : [a.name];
      if (names.length === 0 && a.update_cache !== true) ctx.addIssue({ code: 'custom', path: ['name'], message: 'name is required (or set update_cache: true to only refresh the package lists)' });
      if (a.state !== 'present') for (const n of names) if (n.includes('=')) ctx.addIssue({ code: 'custom', path: ['name'], message: `"${n}": a pinned version only makes sense with state: present` });
      if (a.purge && a.state !== 'absent') ctx.addIssue({ code: 'custom', path: ['purge'], message: 'purge only applies to state: absent' });
    }),
);

export type AptArgs = z.output<ReturnType<typeof aptArgs>>;

export function packagesOf(args: AptArgs): PackageSpec[] {
  const names = args.name === undefined ? [] : Array.isArray(args.name) ? args.name : [args.name];
  return names.map(parsePackageSpec);
}

/**
 * Package scripts and apt's own files (lists, stamp) must get the usual modes whatever umask the
 * script runs under (the engine makes its private work dir under 077): set it explicitly.
 */
const UMASK = 'umask 022';

const APT_OPTS = '-y -q -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';

/**
 * Refreshes the lists when the newest of stamp/lists-dir is older than $1 seconds (or no lists).
 * Times in the future of the host's clock are ignored (a clock set back would otherwise make
 * the lists look fresh until it catches up).
 */
const APT_PRELUDE = `wpha_apt_refresh() {
  if set -- "$1" /var/lib/apt/lists/*_Packages*; [ -e "$2" ]; then
    _wpat=0 _wpnow=$(date +%s)
    for _wpam in $(stat -c %Y /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists 2>/dev/null); do
      if [ "$_wpam" -le "$_wpnow" ] && [ "$_wpam" -gt "$_wpat" ]; then _wpat=$_wpam; fi
    done
    if [ "$_wpat" -gt 0 ] && [ $(( _wpnow - _wpat )) -lt "$1" ]; then return 0; fi
  fi
  apt-get update -q -o DPkg::Lock::Timeout=120 || { echo "apt-get update failed" >&2; return 1; }
  mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp
  wpha_apt_refreshed=1
}
wpha_apt_versions() {
  dpkg-query -W -f='\${db:Status-Abbrev} \${Package}:\${Architecture} \${Version}\\n' -- "$@" 2>/dev/null || :
}`;

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

function listsStale(args: AptArgs, state: AptState): boolean {
  return state.listsTime === null || state.now - state.listsTime >= args.cache_valid_time;
}

function refreshNote(state: AptState): string {
  if (state.listsInFuture) return "refresh the package lists first (they are dated in the future of the host's clock)";
  return state.listsTime === null
    ? 'refresh the package lists first (there are none yet)'
    : `refresh the package lists first (last refreshed ${formatAge(Math.max(0, state.now - state.listsTime))} ago)`;
}

/** Wraps an apt-get command so that "changed" is what really happened to the packages. */
function measured(names: string[], body: string[]): string {
  const list = names.map((n) => quote(n)).join(' ');
  return joinSteps(
    UMASK,
    'export DEBIAN_FRONTEND=noninteractive',
    `wpha_before=$(wpha_apt_versions ${list})`,
    TIME_START,
    ...body,
    timeEnd('apt'),
    `wpha_after=$(wpha_apt_versions ${list})`,
    `[ "$wpha_before" != "$wpha_after" ] || echo ${UNCHANGED_MARKER}`,
  );
}

function planInstall(args: AptArgs, state: AptState, pkgs: PackageSpec[]): OpPlan {
  const install: string[] = [];
  const upgrade: string[] = [];
  const pinned: string[] = [];
  const targets: PackageSpec[] = [];
  let broken = false;
  for (const p of pkgs) {
    const entries = entriesFor(state, p);
    const ok = entries.filter(isInstalled);
    broken ||= entries.some(isBroken);
    const cand = candidateFor(state, p);
    if (ok.length === 0) {
      targets.push(p);
      const what = p.version ?? cand;
      install.push(what ? `${p.name}${p.arch ? `:${p.arch}` : ''} (${what})` : p.raw);
    } else if (p.version && !ok.some((e) => e.version === p.version)) {
      // A pin may be older than what is installed: apt-get then needs --allow-downgrades.
      targets.push(p);
      pinned.push(`${queryName(p)} ${ok[0]!.version} -> ${p.version}`);
    } else if (args.state === 'latest' && cand && !ok.some((e) => e.version === cand)) {
      targets.push(p);
      upgrade.push(`${queryName(p)} ${ok[0]!.version} -> ${cand}`);
    }
  }
  const mayRefresh = args.update_cache !== false;
  const stale = mayRefresh && listsStale(args, state);
  // latest + stale lists: newer versions may exist that this host's lists do not know yet.
  const probeLatest = args.state === 'latest' && stale && targets.length < pkgs.length;
  if (targets.length === 0 && !probeLatest) return { changed: false, summary: [] };
  const summary: string[] = [];
  if (stale) summary.push(refreshNote(state));
  if (install.length) summary.push(`install ${install.join(', ')}`);
  if (upgrade.length) summary.push(`upgrade ${upgrade.join(', ')}`);
  if (pinned.length) summary.push(`install pinned version${pinned.length > 1 ? 's' : ''} ${pinned.join(', ')}`);
  if (probeLatest)
    summary.push(
      `upgrade ${pkgs
        .filter((p) => !targets.includes(p))
        .map(queryName)
        .join(', ')} if the refreshed lists have newer versions`,
    );
  const names = (args.state === 'latest' ? pkgs : targets).map((p) => p.raw);
  const recommends = (args.install_recommends ? '' : ' --no-install-recommends') + (pinned.length ? ' --allow-downgrades' : '');
  const body = [
    ...(mayRefresh ? [`wpha_apt_refresh ${args.cache_valid_time}`] : []),
    ...(broken ? ['dpkg --configure -a'] : []),
    `apt-get ${APT_OPTS}${recommends} install -- ${names.map((n) => quote(n)).join(' ')}`,
  ];
  const queried = [...new Set((args.state === 'latest' ? pkgs : targets).map(queryName))];
  return { changed: true, summary, apply: measured(queried, body) };
}

function planRemove(args: AptArgs, state: AptState, pkgs: PackageSpec[]): OpPlan {
  const remove: string[] = [];
  for (const p of pkgs) {
    const present = entriesFor(state, p).filter((e) => (args.purge ? hasFiles(e) : isInstalled(e) || isBroken(e)));
    if (present.length) remove.push(`${queryName(p)} (${present[0]!.version || present[0]!.status})`);
  }
  if (remove.length === 0) return { changed: false, summary: [] };
  const names = [...new Set(pkgs.map(queryName))];
  const verb = args.purge ? 'purge' : 'remove';
  return {
    changed: true,
    summary: [`${verb} ${remove.join(', ')}`],
    apply: measured(names, [sh`apt-get ${APT_OPTS.split(' ')} ${verb} -- ${names}`]),
  };
}

/**
 * Two `present` installs with the same options as one: the union of their packages, planned on
 * both probes (the same host, read in the same round trip). Anything else stays apart: removals,
 * `latest` (its refresh decides what moves), other recommends or list-refresh settings.
 */
export function joinInstalls(a: { args: AptArgs; state: AptState }, b: { args: AptArgs; state: AptState }): { args: AptArgs; state: AptState } | undefined {
  const same = (k: 'state' | 'install_recommends' | 'update_cache' | 'cache_valid_time' | 'purge') => a.args[k] === b.args[k];
  if (a.args.state !== 'present' || !same('state') || !same('install_recommends') || !same('update_cache') || !same('cache_valid_time') || !same('purge')) return undefined;
  const names = [...new Set([...packagesOf(a.args), ...packagesOf(b.args)].map((p) => p.raw))];
  if (names.length === 0) return undefined;
  const entries = [...a.state.entries, ...b.state.entries.filter((e) => !a.state.entries.some((x) => x.name === e.name && x.arch === e.arch))];
  return { args: { ...a.args, name: names }, state: { ...a.state, entries, candidates: { ...b.state.candidates, ...a.state.candidates } } };
}

const aptOp: OpModule<AptArgs, AptArgs, AptState> = {
  name: 'apt',
  summary: 'Install, upgrade or remove Debian packages (refreshing stale package lists only when something must be installed).',
  get args() {
    return aptArgs();
  },
  prelude: APT_PRELUDE,
  barrier: true,
  resources: (args) => packagesOf(args).map((p) => `pkg:${p.name}`),
  probe(args) {
    const candidates = args.state === 'latest' ? 'all' : args.state === 'present' ? 'missing' : 'none';
    return aptProbe(packagesOf(args), candidates, candidates === 'missing' && args.update_cache !== false ? args.cache_valid_time : undefined);
  },
  parse: (out) => parseAptProbe(out),
  join: joinInstalls,
  plan(args, state, ctx) {
    const pkgs = packagesOf(args);
    if (state.now <= 0) throw new OperationError(ctx.host, 'apt', `Cannot plan "apt" on host "${ctx.host}": the probe gave no answer`);
    if (pkgs.length === 0) {
      if (!listsStale(args, state)) return { changed: false, summary: [] };
      return {
        changed: true,
        summary: [refreshNote(state).replace(' first', '')],
        // Re-checked on the host: when an earlier task refreshed them meanwhile, nothing happens.
        apply: joinSteps(
          UMASK,
          'export DEBIAN_FRONTEND=noninteractive',
          'wpha_apt_refreshed=',
          TIME_START,
          `wpha_apt_refresh ${args.cache_valid_time}`,
          timeEnd('apt'),
          `[ -n "$wpha_apt_refreshed" ] || echo ${UNCHANGED_MARKER}`,
        ),
      };
    }
    return args.state === 'absent' ? planRemove(args, state, pkgs) : planInstall(args, state, pkgs);
  },
};

export default aptOp;
