# Managed by wpha. Checking backups: their sha256 manifest here, their presence and sizes on
# the remote, and which one is the newest that verifies (what retention must never drop).
# shellcheck shell=bash

# verify_set DIR: 0 when every file the manifest lists has its sha256, INFO names this backup,
# and a differential backup's base (next to it) verifies too. Reasons go to stderr.
verify_set() {
  local dir=$1 id base
  id=${dir##*/}
  if [ ! -f "$dir/MANIFEST.sha256" ] || [ ! -f "$dir/INFO" ]; then log "$id: incomplete (no manifest)"; return 1; fi
  if [ "$(info "$dir" id)" != "$id" ]; then log "$id: INFO names another backup ($(info "$dir" id))"; return 1; fi
  local failed
  if ! failed=$(cd "$dir" && sha256sum --check --strict --quiet MANIFEST.sha256 2>&1); then
    log "$id: checksum mismatch: $(echo "$failed" | tr '\n' ' ')"
    return 1
  fi
  local f
  for f in $(artifacts "$dir"); do
    grep -q "  $f\$" "$dir/MANIFEST.sha256" || { log "$id: $f is not in the manifest"; return 1; }
  done
  base=$(info "$dir" files_base)
  if [ -n "$base" ] && [ "$base" != - ] && [ "$base" != "$id" ]; then
    if [ ! -d "${dir%/*}/$base" ]; then log "$id: its base $base (the full file archive) is missing"; return 1; fi
    verify_set "${dir%/*}/$base" || { log "$id: its base $base does not verify"; return 1; }
  fi
}

manifest_hash() { sha256sum < "$1/MANIFEST.sha256" | cut -d' ' -f1; }

# A backup that verified records it (the manifest's own hash): later runs trust it.
mark_verified() { manifest_hash "$1" > "$1/VERIFIED"; }
mark_bad() { rm -f "$1/VERIFIED"; }
recorded_ok() { [ -f "$1/VERIFIED" ] && [ -f "$1/MANIFEST.sha256" ] && [ "$(cat "$1/VERIFIED")" = "$(manifest_hash "$1")" ]; }

# Lines "ID ok|bad BASE" for retention.awk, newest first. The newest backups are checked for
# real, one after the other, until one verifies: that one is the newest verified (never
# dropped); older ones are taken as their last check recorded them.
local_statuses() {
  local id found= st b
  for id in $(local_ids | sort -r); do
    if [ -z "$found" ]; then
      if verify_set "$SETS/$id" 2>/dev/null; then st=ok; found=1; mark_verified "$SETS/$id"; else st=bad; mark_bad "$SETS/$id"; fi
    elif recorded_ok "$SETS/$id"; then st=ok; else st=bad; fi
    b=$(info "$SETS/$id" files_base)
    echo "$id $st ${b:--}"
  done
}

# Lines "ID FILE SIZE" of every file under the remote folder of HOST's backups.
# An unreachable remote is an error; a folder that does not exist yet (rclone's exit 3) is empty.
remote_files() {
  local out rc=0 err
  err=$(mktemp)
  out=$(rclone_ lsf -R --files-only --format ps --separator ' ' "$(remote_root "$1")" 2> "$err") || rc=$?
  if [ $rc != 0 ] && [ $rc != 3 ]; then log "cannot list $(remote_root "$1"): $(tail -n 1 "$err")"; rm -f "$err"; return 1; fi
  rm -f "$err"
  awk '{ n = split($1, p, "/"); if (n == 2) print p[1], p[2], $2 }' <<< "$out"
}

# remote_quick_check HOST ID FILES: the push finished (VERIFIED uploaded last) and every
# artifact is there with the size INFO gives. FILES: output of remote_files.
remote_quick_check() {
  local host=$1 id=$2 files=$3 info_text
  grep -q "^$id VERIFIED " <<< "$files" || { log "$host/$id: incomplete on the remote (no VERIFIED: the push did not finish)"; return 1; }
  info_text=$(rclone_ cat "$(remote_root "$host")/$id/INFO" 2>/dev/null) || { log "$host/$id: INFO unreadable on the remote"; return 1; }
  local missing
  missing=$(awk -v id="$id" 'NR == FNR { if ($1 == id) have[$2] = $3; next } $1 == "size" && have[$2] != $3 { print $2 " (" ($2 in have ? have[$2] : "missing") " bytes, expected " $3 ")" }' <(echo "$files") <(echo "$info_text"))
  [ -z "$missing" ] || { log "$host/$id: wrong on the remote: $missing"; return 1; }
}

# Lines "ID ok|bad BASE" of HOST's backups on the remote (same rule as local_statuses; the base
# of a differential backup is in its archive's name: files-diff-BASE.tar.zst).
remote_statuses() {
  local host=$1 files id found= st base
  files=$(remote_files "$host")
  for id in $(awk '{ print $1 }' <<< "$files" | sort -u -r); do
    is_id "$id" || continue
    if [ -z "$found" ]; then
      if remote_quick_check "$host" "$id" "$files" 2>/dev/null; then st=ok; found=1; else st=bad; fi
    elif grep -q "^$id VERIFIED " <<< "$files"; then st=ok; else st=bad; fi
    base=$(awk -v id="$id" '$1 == id && $2 ~ /^files-diff-/ { b = $2; sub(/^files-diff-/, "", b); sub(/[.].*$/, "", b); print b }' <<< "$files")
    echo "$id $st ${base:--}"
  done
}

cmd_verify() {
  local remote= from=$BACKUP_HOST ids=() id bad=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --remote) remote=1 ;;
      --from) from=$2; shift ;;
      *) ids+=("$1") ;;
    esac
    shift
  done
  if [ -n "$remote" ]; then
    # The full check: each backup downloaded and its sha256 manifest checked.
    [ ${#ids[@]} -gt 0 ] || mapfile -t ids < <(remote_files "$from" | awk '{ print $1 }' | sort -u)
    for id in "${ids[@]}"; do
      if fetch_set "$from" "$id" >/dev/null && verify_set "$RESTORE_DIR/$from/$id"; then echo "ok $id"; else echo "bad $id"; bad=1; fi
    done
    rm -rf "${RESTORE_DIR:?}/$from"
    return $bad
  fi
  [ ${#ids[@]} -gt 0 ] || mapfile -t ids < <(local_ids)
  for id in "${ids[@]}"; do
    is_id "$id" || die "not a backup id: \"$id\""
    [ -d "$SETS/$id" ] || { echo "bad $id"; log "$id: no such backup here"; bad=1; continue; }
    if verify_set "$SETS/$id"; then mark_verified "$SETS/$id"; echo "ok $id"; else mark_bad "$SETS/$id"; echo "bad $id"; bad=1; fi
  done
  return $bad
}
