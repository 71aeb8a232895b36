/**
 * The shell functions every file op shares. The engine puts each distinct prelude once at the top
 * of a probe or apply script, so every op that touches files exports THIS constant as its
 * `prelude` (same string -> included once).
 *
 *   wpha_fstate PATH OPTS WANT_SHA MAX_BYTES   (probe; read-only)
 *     Prints `key=value` lines describing PATH (parsed by parseFileState):
 *       parent=1|0       the parent directory exists
 *       link=B64         PATH is a symlink; B64 is its target (base64)
 *       resolved=B64     OPTS has L and PATH was a symlink: what follows describes this path
 *       type=absent      nothing there (nothing else follows)
 *       stat=%F|%a|%u|%g|%U|%G|%s   one `stat` call: type, mode, uid, gid, owner, group, size
 *       sha256=HEX       OPTS has s, a or d and it is a regular file
 *       content=B64      OPTS has a (always) or d (only when sha256 != WANT_SHA and the file is
 *                        text); only when size <= MAX_BYTES
 *       content_skipped=too-large|binary
 *
 *   wpha_put SRC DEST MODE OWNER GROUP FLAGS VALIDATE EXPECT_SHA LIVE_CHECK   (apply)
 *     Atomically replaces DEST with a copy of SRC: a temp file in DEST's own directory gets the
 *     content, owner/group (given, else the old file's, else root's), mode (given, else the old
 *     file's, else 0644), passes VALIDATE (sh text; "$1" is the temp file), and is renamed over
 *     DEST. Any failure before the rename leaves the old file untouched and removes the temp file.
 *     FLAGS: b = keep the old file as DEST.<YYYYmmddTHHMMSS>.wpha-bak; L = DEST may be a symlink
 *     (write the file it points to); m = SRC is a temp file already in DEST's directory (e.g. a
 *     download): it is renamed into place instead of copied, and removed on failure. EXPECT_SHA: "" = no check; "absent" = DEST must not exist;
 *     else DEST's sha256 must still be this (it was read by the probe and edited on the controller).
 *     LIVE_CHECK: sh text run AFTER the rename (e.g. `nginx -t`); when it fails the old file is
 *     put back (or the new one removed) and the call fails.
 *
 *   wpha_attrs PATH MODE OWNER GROUP   (apply) chown/chgrp/chmod what is given ("" = leave).
 *
 *   wpha_trusted PATH [report]   (probe and apply) fails, leaving the reason in $_wptm (and on
 *     stderr with `report`), when a symbolic link on the way to PATH's folder is not owned by
 *     root. Another user's link (/home/bob/.ssh -> /root/.ssh, /srv/www/conf -> /etc) would have
 *     root write, chmod or remove where that user chose; root's own links (/lib, /var/run) are
 *     followed. wpha_fstate then prints `untrusted=B64` (the reason) and nothing else;
 *     wpha_put and wpha_attrs refuse to run.
 *
 * Why functions in a prelude: the engine sends one script per host; a probe line per file stays
 * short (`wpha_fstate /etc/x s '' 0`), and the writer's many failure paths are written once.
 * The functions avoid `local` and bashisms (dash), use `_wp*` names, work under `set -eu`, and
 * check every step themselves: `set -e` does not apply inside a function called where a failure
 * is being tested (`f || ...`), so they never rely on it.
 *
 * Source note: the text below is shell, kept verbatim through String.raw; only the token `@{`
 * stands for the shell's `${` (which a template literal would take as an interpolation).
 */
import { UNIT_SHOW_FN } from './unit-prefetch.js';
const FILE_PRELUDE_SOURCE = String.raw`wpha_trusted() {
  _wpr=@{1%/*}/ _wpc= _wptm=
  while [ -n "@{_wpr#/}" ]; do
    _wpr=@{_wpr#/}; _wpc=$_wpc/@{_wpr%%/*}; _wpr=/@{_wpr#*/}
    if [ -L "$_wpc" ] && [ "$(stat -c %u -- "$_wpc")" != 0 ]; then
      _wptm="\"$_wpc\" is a symbolic link owned by $(stat -c %U -- "$_wpc") (to \"$(readlink -- "$_wpc")\"): refusing to follow it as root to reach \"$1\"; use the real path"
      if [ -n "@{2-}" ]; then printf '%s\n' "$_wptm" >&2; fi
      return 1
    fi
  done
  return 0
}
wpha_fstate() {
  if ! wpha_trusted "$1"; then echo "untrusted=$(printf %s "$_wptm" | base64 -w0)"; return 0; fi
  _wpp=$1
  _wpd=@{_wpp%/*}
  if [ -d "@{_wpd:-/}" ]; then echo parent=1; else echo parent=0; fi
  if [ -L "$_wpp" ]; then
    echo "link=$(readlink -n -- "$_wpp" | base64 -w0)"
    case $2 in
      *L*) _wpp=$(readlink -f -- "$_wpp") || { echo type=absent; return 0; }
           echo "resolved=$(printf %s "$_wpp" | base64 -w0)" ;;
    esac
  fi
  if [ ! -e "$_wpp" ] && [ ! -L "$_wpp" ]; then echo type=absent; return 0; fi
  # A prefetched answer (one stat and one sha256sum for every path of the probe: wpha_pf_find,
  # written by the engine) saves two processes per file; anything else asks the host directly.
  _wpi=; if [ "$_wpp" = "$1" ] && command -v wpha_pf_find >/dev/null; then wpha_pf_find "$_wpp"; fi
  if [ -n "$_wpi" ]; then eval "_wps=\@{_wpfs_$_wpi-}"; else _wps=; fi
  if [ -z "$_wps" ]; then _wps=$(stat -c '%F|%a|%u|%g|%U|%G|%s' -- "$_wpp") || return 1; fi
  echo "stat=$_wps"
  if [ -L "$_wpp" ] || [ ! -f "$_wpp" ]; then return 0; fi
  case $2 in *s*|*a*|*d*) ;; *) return 0 ;; esac
  if [ -n "$_wpi" ]; then eval "_wph=\@{_wpfh_$_wpi-}"; else _wph=; fi
  if [ -z "$_wph" ]; then _wph=$(sha256sum < "$_wpp") || return 1; fi
  _wph=@{_wph%% *}
  echo "sha256=$_wph"
  case $2 in
    *a*) ;;
    *d*) [ "$_wph" != "$3" ] || return 0
         if [ "@{_wps##*|}" -gt 0 ] && ! grep -qI '' < "$_wpp"; then echo content_skipped=binary; return 0; fi ;;
    *) return 0 ;;
  esac
  if [ "@{_wps##*|}" -gt "$4" ]; then echo content_skipped=too-large; return 0; fi
  printf 'content='; base64 -w0 < "$_wpp"; echo
}
wpha_attrs() {
  wpha_trusted "$1" report || return 1
  if [ -n "$3" ]; then chown -- "$3" "$1" || return 1; fi
  if [ -n "$4" ]; then chgrp -- "$4" "$1" || return 1; fi
  if [ -n "$2" ]; then chmod -- "$2" "$1" || return 1; fi
  return 0
}
wpha_put() {
  _wpsrc=$1 _wpdst=$2
  wpha_trusted "$2" report || return 1
  case $6 in
    *L*) if [ -L "$_wpdst" ]; then _wpdst=$(readlink -f -- "$_wpdst") || { echo "cannot resolve the symbolic link \"$2\"" >&2; return 1; }; fi ;;
  esac
  if [ -L "$_wpdst" ]; then
    echo "\"$2\" is a symbolic link; refusing to replace it (set follow: true to write the file it points to)" >&2; return 1
  fi
  if [ -e "$_wpdst" ] && [ ! -f "$_wpdst" ]; then echo "\"$_wpdst\" exists and is not a regular file" >&2; return 1; fi
  _wpdir=@{_wpdst%/*}; _wpdir=@{_wpdir:-/}
  if [ ! -d "$_wpdir" ]; then
    echo "directory \"$_wpdir\" does not exist (create it first, e.g. with a file task, state: directory)" >&2; return 1
  fi
  case $8 in
    '') ;;
    absent) if [ -e "$_wpdst" ]; then echo "\"$_wpdst\" was created on the host after it was read; run again" >&2; return 1; fi ;;
    *) _wph=$(sha256sum < "$_wpdst" 2>/dev/null) || _wph=
       if [ "@{_wph%% *}" != "$8" ]; then echo "\"$_wpdst\" changed on the host since it was read; run again" >&2; return 1; fi ;;
  esac
  if [ -e "$_wpdst" ]; then _wpo=$(stat -c '%u|%g|%a' -- "$_wpdst") || return 1; else _wpo='0|0|644'; fi
  _wpou=@{_wpo%%|*}; _wpo=@{_wpo#*|}; _wpog=@{_wpo%%|*}; _wpom=@{_wpo#*|}
  case $6 in
    *m*) _wptmp=$_wpsrc ;;
    *) _wptmp=$(mktemp "$_wpdir/.@{_wpdst##*/}.wpha-XXXXXX") || return 1
       if ! cat -- "$_wpsrc" > "$_wptmp"; then
         rm -f -- "$_wptmp"; echo "cannot write the new content of \"$_wpdst\" (full disk?); the file was not changed" >&2; return 1
       fi ;;
  esac
  if ! chown -- "@{4:-$_wpou}" "$_wptmp" || ! chgrp -- "@{5:-$_wpog}" "$_wptmp" \
     || ! chmod -- "@{3:-$_wpom}" "$_wptmp"; then
    rm -f -- "$_wptmp"; return 1
  fi
  if [ -n "$7" ] && ! sh -c "$7" wpha-validate "$_wptmp" >&2; then
    rm -f -- "$_wptmp"; echo "validation of the new \"$_wpdst\" failed; the file was not changed" >&2; return 1
  fi
  _wpprev=
  if [ -e "$_wpdst" ]; then
    case $6 in
      *b*) _wpprev="$_wpdst.$(date +%Y%m%dT%H%M%S).wpha-bak" ;;
      *) if [ -n "@{9-}" ]; then _wpprev="$_wpdir/.@{_wpdst##*/}.wpha-prev"; fi ;;
    esac
    # A hard link keeps the old inode under the backup name for free; cp -p where links fail.
    if [ -n "$_wpprev" ] && ! ln -f -- "$_wpdst" "$_wpprev" 2>/dev/null && ! cp -p -- "$_wpdst" "$_wpprev"; then
      rm -f -- "$_wptmp"; return 1
    fi
  fi
  if ! mv -f -- "$_wptmp" "$_wpdst"; then rm -f -- "$_wptmp"; return 1; fi
  if [ -n "@{9-}" ] && ! sh -c "$9" wpha-live-check "$_wpdst" >&2; then
    if [ -z "$_wpprev" ]; then
      rm -f -- "$_wpdst"; echo "check after writing \"$_wpdst\" failed; the new file was removed" >&2; return 1
    fi
    case $6 in
      *b*) ln -f -- "$_wpprev" "$_wptmp" && mv -f -- "$_wptmp" "$_wpdst" ;;
      *) mv -f -- "$_wpprev" "$_wpdst" ;;
    esac
    echo "check after writing \"$_wpdst\" failed; the previous file was put back" >&2; return 1
  fi
  case $6 in *b*) ;; *) if [ -n "$_wpprev" ]; then rm -f -- "$_wpprev"; fi ;; esac
  return 0
}
`;

/** The file ops' shell functions; with wpha_unit_show for systemd_unit and systemd_timer, which share it. */
export const FILE_PRELUDE: string = `${FILE_PRELUDE_SOURCE.replaceAll('@{', '${')}${UNIT_SHOW_FN}\n`;
