/**
 * Package names for the `apt` op and the probe that reads their state on a host.
 *
 * The probe costs two cheap processes (`date`, `stat`) plus ONE `dpkg-query`; the slow
 * `apt-cache policy` (it may rebuild the package cache: ~0.5 s) only runs when a version must be
 * known: always for `latest`, and for `present` only for packages that are not installed. So a
 * converged `present` task never pays for it.
 */
import { quote } from '../shell/quote.js';
import type { ProbeOutput } from './types.js';

/** Debian policy package name, optional `:arch`, optional `=version` (Debian version syntax). */
export const PACKAGE_SPEC = /^([a-z0-9][a-z0-9+.-]+)(?::([a-z0-9][a-z0-9-]*))?(?:=([0-9][A-Za-z0-9.+~:-]*))?$/;

export interface PackageSpec {
  /** As written by the user, e.g. `nginx`, `libc6:i386`, `redis-server=5:7.0.15-1`. */
  raw: string;
  name: string;
  arch?: string;
  version?: string;
}

export function parsePackageSpec(raw: string): PackageSpec {
  const m = PACKAGE_SPEC.exec(raw);
  if (!m) throw new Error(`Invalid package name "${raw}"`);
  return { raw, name: m[1]!, ...(m[2] ? { arch: m[2] } : {}), ...(m[3] ? { version: m[3] } : {}) };
}

/** The name dpkg-query and apt-cache understand (no version). */
export function queryName(p: PackageSpec): string {
  return p.arch ? `${p.name}:${p.arch}` : p.name;
}

export interface DpkgEntry {
  name: string;
  arch: string;
  /** `db:Status-Abbrev`, e.g. `ii`, `rc`, `iF`, `iiR` (trailing space removed). */
  status: string;
  version: string;
}

export interface AptState {
  /** The host's clock (seconds since the epoch). */
  now: number;
  /**
   * When the package lists were last refreshed; null when there are no lists at all, or when
   * every time found is in the future (a clock that was wrong, or set back: such a date says
   * nothing about freshness, and trusting it would skip refreshes for as long as the skew).
   */
  listsTime: number | null;
  /** Lists exist but are all dated in the future of the host's clock. */
  listsInFuture?: boolean;
  entries: DpkgEntry[];
  /** Candidate version per queried name; `(none)` when apt knows the name but cannot install it. */
  candidates: Record<string, string>;
}

/** dpkg-query expands the `\\t`/`\\n` escapes itself. */
export const DPKG_FORMAT = '${db:Status-Abbrev}\\t${Package}\\t${Architecture}\\t${Version}\\n';

/**
 * The probe. `candidates`: `all` (latest), `missing` (present: only names not installed), `none`.
 * Lines: `@now N`, `@lists N [N]` or `@lists none`, dpkg rows (tab separated), and for each
 * policy answer `@policy NAME` then `@cand VERSION`.
 *
 * `refreshAfter` (seconds, `missing` only): the install refreshes lists at least this old first,
 * so their candidates are not what will be installed; they are then not asked for. That also
 * spares a fresh host's probe the build of apt's cache from those lists (~0.4 s of CPU, and
 * the refresh builds it again).
 */
export function aptProbe(pkgs: PackageSpec[], candidates: 'all' | 'missing' | 'none', refreshAfter?: number): string {
  const names = [...new Set(pkgs.map(queryName))];
  const lines = [
    'wpha_now=$(date +%s); echo "@now $wpha_now"',
    // The stamp only exists where a hook touches it (wpha's refresh does); the lists directory's
    // mtime changes whenever a list file is replaced. The newer of the two is the last refresh.
    'if set -- /var/lib/apt/lists/*_Packages*; [ -e "$1" ]; then',
    '  wpha_lt=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists 2>/dev/null); echo "@lists $wpha_lt"',
    'else wpha_lt=; echo "@lists none"; fi',
  ];
  if (names.length === 0) return lines.join('\n');
  const list = names.map((n) => quote(n)).join(' ');
  lines.push(`wpha_q=$(dpkg-query -W -f=${quote(DPKG_FORMAT)} -- ${list} 2>/dev/null) || :`);
  lines.push('[ -z "$wpha_q" ] || printf \'%s\\n\' "$wpha_q"');
  const policy = `apt-cache policy -- $wpha_m 2>/dev/null | sed -n -e 's/^\\([^ ].*\\):$/@policy \\1/p' -e 's/^  Candidate: /@cand /p'`;
  if (candidates === 'all') {
    lines.push(`wpha_m=${quote(names.join(' '))}`, policy);
  } else if (candidates === 'missing') {
    lines.push('wpha_m=', `wpha_nl=${quote('\n')}`);
    // A package is installed when a row starts with `?i`, `?W` or `?t` and no error flag; glob
    // against the whole output (builtins only: no extra process when everything is installed).
    for (const p of dedupe(pkgs)) {
      const row = p.arch ? ` \t${p.name}\t${p.arch}\t` : ` \t${p.name}\t`;
      lines.push(`case "$wpha_nl$wpha_q" in *"$wpha_nl"?[iWt]${quote(row)}*) ;; *) wpha_m="$wpha_m ${queryName(p)}" ;; esac`);
    }
    if (refreshAfter === undefined) lines.push(`[ -z "$wpha_m" ] || ${policy}`);
    else {
      // Fresh: refreshed at most refreshAfter seconds ago (and not in the future), as listsStale says.
      lines.push(
        `wpha_fresh=; for wpha_t in $wpha_lt; do if [ "$wpha_t" -le "$wpha_now" ] && [ $((wpha_now - wpha_t)) -lt ${Math.trunc(refreshAfter)} ]; then wpha_fresh=1; fi; done`,
        `[ -z "$wpha_m" ] || [ -z "$wpha_fresh" ] || ${policy}`,
      );
    }
  }
  return lines.join('\n');
}

function dedupe(pkgs: PackageSpec[]): PackageSpec[] {
  const seen = new Map<string, PackageSpec>();
  for (const p of pkgs) seen.set(queryName(p), p);
  return [...seen.values()];
}

export function parseAptProbe(out: ProbeOutput): AptState {
  const state: AptState = { now: 0, listsTime: null, entries: [], candidates: {} };
  let policyName: string | null = null;
  let times: number[] = [];
  for (const line of out.stdout.split('\n')) {
    if (line.startsWith('@now ')) state.now = Number(line.slice(5));
    else if (line.startsWith('@lists ')) {
      times = line
        .slice(7)
        .trim()
        .split(/\s+/)
        .filter((t) => /^\d+$/.test(t))
        .map(Number);
    } else if (line.startsWith('@policy ')) policyName = line.slice(8);
    else if (line.startsWith('@cand ') && policyName !== null) {
      state.candidates[policyName] = line.slice(6).trim();
      policyName = null;
    } else if (line.includes('\t')) {
      const [status, name, arch, version] = line.split('\t');
      if (status === undefined || !name || arch === undefined || version === undefined) continue;
      state.entries.push({ status: status.trim(), name, arch, version });
    }
  }
  if (!Number.isFinite(state.now) || state.now <= 0) throw new Error('apt probe: no clock reading (@now) in the output');
  const past = times.filter((t) => t <= state.now);
  state.listsTime = past.length ? Math.max(...past) : null;
  if (times.length > 0 && past.length === 0) state.listsInFuture = true;
  return state;
}

/** dpkg says the package is installed and usable (`ii`, `hi`, triggers pending), without error flag. */
export function isInstalled(e: DpkgEntry): boolean {
  return /^.[iWt]$/.test(e.status);
}

/** Unpacked but not configured, half-installed, or flagged reinst-required: dpkg must finish first. */
export function isBroken(e: DpkgEntry): boolean {
  return /^.[UFH]/.test(e.status) || e.status.length > 2;
}

/** Anything of the package left on disk (installed, broken, or config files: `rc`). */
export function hasFiles(e: DpkgEntry): boolean {
  return e.status[1] !== 'n';
}

/** Entries of the host matching a spec (a multi-arch package may have several). */
export function entriesFor(state: AptState, p: PackageSpec): DpkgEntry[] {
  return state.entries.filter((e) => e.name === p.name && (!p.arch || e.arch === p.arch || e.arch === 'all'));
}

/** Candidate from `apt-cache policy` (it prints `name:` for the native arch, `name:arch:` otherwise). */
export function candidateFor(state: AptState, p: PackageSpec): string | undefined {
  const c = state.candidates[queryName(p)] ?? state.candidates[p.name];
  return c === undefined || c === '(none)' ? undefined : c;
}
