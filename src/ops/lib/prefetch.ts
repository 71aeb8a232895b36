/**
 * One `stat` and one `sha256sum` for every file a probe script asks about, instead of two
 * processes per file: on a host running a probe, process starts are most of what a no-op costs.
 * The fragment defines `wpha_pf_find PATH` (sets `_wpi` to the path's index) and the variables
 * `_wpfs_<i>` (the stat line) and `_wpfh_<i>` (the sha256) that `wpha_fstate` reads; a path
 * without them (absent, not plain, followed through a link) is asked about directly, as before.
 * Only plain paths are prefetched (no space, quote, glob or `|`), so the shell can split the
 * tools' answers safely.
 */
import { quote } from '../../shell/quote.js';

const PLAIN_PATH = /^\/[A-Za-z0-9._@+,:=/-]*$/;

export function prefetchFragment(paths: readonly string[]): string {
  const list = [...new Set(paths.filter((p) => PLAIN_PATH.test(p) && p.length < 1024))];
  if (list.length === 0) return '';
  const cases = list.map((p, i) => `${quote(p)}) _wpi=${i};;`).join(' ');
  return [
    `wpha_pf_find() { case $1 in ${cases} *) _wpi=;; esac; }`,
    'wpha_prefetch() {',
    '  set -f',
    `  stat -c '%n|%F|%a|%u|%g|%U|%G|%s' -- ${list.map((p) => quote(p)).join(' ')} > "$WPHA_WORK/pf" 2>/dev/null`,
    '  _wpfr=',
    '  while IFS= read -r _wpl; do',
    '    wpha_pf_find "${_wpl%%|*}"',
    '    [ -n "$_wpi" ] || continue',
    '    eval "_wpfs_$_wpi=\\${_wpl#*|}"',
    "    case ${_wpl#*|} in 'regular file|'*|'regular empty file|'*) _wpfr=\"$_wpfr ${_wpl%%|*}\";; esac",
    '  done < "$WPHA_WORK/pf"',
    '  if [ -n "$_wpfr" ]; then',
    '    sha256sum -- $_wpfr > "$WPHA_WORK/pfh" 2>/dev/null',
    '    while read -r _wph _wpn; do wpha_pf_find "$_wpn"; if [ -n "$_wpi" ]; then eval "_wpfh_$_wpi=\\$_wph"; fi; done < "$WPHA_WORK/pfh"',
    '  fi',
    '  _wph=; _wpi=',
    '  set +f',
    '}',
    'wpha_prefetch',
  ].join('\n');
}
