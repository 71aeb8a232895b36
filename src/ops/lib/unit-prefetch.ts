/**
 * One `systemctl show` for every unit a probe script asks about, instead of one per task: each
 * systemctl call is a process and a D-Bus round trip (~6 ms on a lab host, a third of a typical
 * no-op probe with three services). The fragment runs right before the probes and keeps each
 * unit's block in `_wpu_<i>`; `wpha_unit_show UNIT -p ...` (UNIT_SHOW_FN, in the preludes of the
 * ops that ask) prints the kept block, or asks systemctl itself when there is none.
 *
 * systemctl prints one block per unit, in the order asked, separated by blank lines. A block is
 * kept only when the unit asked at its position is among its Names (an alias such as redis.service
 * shows the block of redis-server.service, whose Names include it), so an answer can never be
 * given to the wrong unit: anything unexpected falls back to the direct call.
 */
import { quote } from '../../shell/quote.js';

/** What the probes of service, systemd_unit and systemd_timer read (each parser takes what it needs). */
export const UNIT_PROPERTIES = ['LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'NeedDaemonReload', 'DropInPaths'] as const;

const PLAIN_UNIT = /^[A-Za-z0-9:_.@-]+$/;

/** wpha_unit_show UNIT ARGS...: the prefetched properties of UNIT, else `systemctl show ARGS -- UNIT`. */
export const UNIT_SHOW_FN = `wpha_unit_show() {
  _wpj=; if command -v wpha_pu_find >/dev/null; then wpha_pu_find "$1"; fi
  if [ -n "$_wpj" ]; then eval "_wpb=\\\${_wpu_$_wpj-}"; if [ -n "$_wpb" ]; then printf '%s' "$_wpb"; return 0; fi; fi
  _wpn=$1; shift
  systemctl show "$@" -- "$_wpn"
}`;

export function unitPrefetchFragment(units: readonly string[]): string {
  const list = [...new Set(units.filter((u) => PLAIN_UNIT.test(u) && u.length < 256))];
  if (list.length === 0) return '';
  return [
    `wpha_pu_find() { case $1 in ${list.map((u, i) => `${quote(u)}) _wpj=${i};;`).join(' ')} *) _wpj=;; esac; }`,
    list.map((u, i) => `_wpua_${i}=${quote(u)}`).join('; '),
    'wpha_pu_keep() { eval "_wpun=\\${_wpua_$1-}"; if [ -n "$_wpun" ]; then case " $3 " in *" $_wpun "*) eval "_wpu_$1=\\$2" ;; esac; fi; }',
    'wpha_unit_prefetch() {',
    `  systemctl show -p Names ${UNIT_PROPERTIES.map((p) => `-p ${p}`).join(' ')} -- ${list.map((u) => quote(u)).join(' ')} > "$WPHA_WORK/pu" 2>/dev/null || return 0`,
    '  _wpj=0 _wpb= _wpns=',
    '  while IFS= read -r _wpl; do',
    '    if [ -z "$_wpl" ]; then wpha_pu_keep "$_wpj" "$_wpb" "$_wpns"; _wpj=$((_wpj + 1)); _wpb= _wpns=; continue; fi',
    '    case $_wpl in Names=*) _wpns=${_wpl#Names=} ;; *) _wpb="$_wpb$_wpl',
    '" ;; esac',
    '  done < "$WPHA_WORK/pu"',
    '  if [ -n "$_wpb" ]; then wpha_pu_keep "$_wpj" "$_wpb" "$_wpns"; fi',
    '  _wpj= _wpb=',
    '}',
    'wpha_unit_prefetch',
  ].join('\n');
}
