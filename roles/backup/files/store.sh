# Managed by wpha. Where backups live: pushing to and fetching from the rclone remote, the
# retention (here and on the remote), and listing.
# shellcheck shell=bash

# push_set ID: copies the backup to REMOTE:PATH/HOST/ID, compares sizes there, and uploads
# VERIFIED last: a copy without it is an unfinished push (prune and restore know it).
push_set() {
  local id=$1 dest
  dest="$(remote_root)/$id"
  rclone_ copy "$SETS/$id" "$dest" --exclude VERIFIED --retries 3 --low-level-retries 10 || return 1
  rclone_ check "$SETS/$id" "$dest" --one-way --size-only --exclude VERIFIED 2>/dev/null || { log "$id: the remote copy differs in size"; return 1; }
  rclone_ copyto "$SETS/$id/VERIFIED" "$dest/VERIFIED" || return 1
}

# fetch_set HOST ID: HOST's backup ID (and its base) from the remote into $RESTORE_DIR/HOST/ID.
# Prints the folder.
fetch_set() {
  local host=$1 id=$2 dir base
  dir=$RESTORE_DIR/$host/$id
  mkdir -p "$dir"
  rclone_ copy "$(remote_root "$host")/$id" "$dir" --retries 3 >&2 || { log "$host/$id: cannot download it from $(remote_root "$host")"; return 1; }
  [ -f "$dir/INFO" ] || { log "$host/$id: no such backup on the remote"; return 1; }
  base=$(info "$dir" files_base)
  if [ -n "$base" ] && [ "$base" != - ] && [ "$base" != "$id" ] && [ ! -d "$RESTORE_DIR/$host/$base" ]; then
    fetch_set "$host" "$base" >/dev/null || return 1
  fi
  echo "$dir"
}

# prune_with STATUSES DRYRUN DELETE_FN: runs retention.awk over the statuses and calls
# DELETE_FN ID for each backup it drops (prints what it does). WPHA_BACKUP_NOW (epoch) replaces
# the clock, for tests of the retention with backups dated in the past.
prune_with() {
  local statuses=$1 dry=$2 delete=$3 line id
  [ -n "$statuses" ] || return 0
  while read -r line; do
    set -- $line
    case "$1" in
      keep) echo "keep $2 ($3)" ;;
      drop)
        if [ -n "$dry" ]; then echo "would drop $2"; else "$delete" "$2" && echo "dropped $2"; fi ;;
      invalid) log "retention: ignored line: ${line#invalid }" ;;
    esac
  done < <(awk -v now="${WPHA_BACKUP_NOW:-$(date -u +%s)}" -v hours="$RETENTION_HOURS" -v days="$RETENTION_DAYS" -f "$LIB/retention.awk" <<< "$statuses")
}

drop_local() { rm -rf "${SETS:?}/$1"; }
drop_remote() { rclone_ purge "$(remote_root)/$1"; }

cmd_prune() {
  local dry=
  [ "${1:-}" = --dry-run ] && dry=1
  echo "# here ($SETS)"
  prune_with "$(local_statuses)" "$dry" drop_local
  # Leftovers of runs that died (a crash, a full disk) are never backups.
  [ -n "$dry" ] || find "$SETS" -maxdepth 1 -name '.*.partial' -mmin +720 -exec rm -rf {} + 2>/dev/null || true
  if [ -n "$BACKUP_REMOTE" ]; then
    echo "# remote ($(remote_root))"
    prune_with "$(remote_statuses "$BACKUP_HOST")" "$dry" drop_remote
  fi
}

# list: one JSON object per backup and line (parsed by `wpha backup list`).
cmd_list() {
  local remote= json= from=$BACKUP_HOST id dir st size
  while [ $# -gt 0 ]; do
    case "$1" in
      --remote) remote=1 ;;
      --json) json=1 ;;
      --from) from=$2; shift ;;
      *) die "list: unknown argument \"$1\"" ;;
    esac
    shift
  done
  if [ -n "$remote" ]; then
    remote_files "$from" | awk -v host="$from" -v json="$json" '
      { size[$1] += $3; if ($2 == "VERIFIED") done_[$1] = 1; if ($2 ~ /^files-diff-/) { b = $2; sub(/^files-diff-/, "", b); sub(/[.].*$/, "", b); base[$1] = b } ids[$1] = 1 }
      END { for (id in ids) print id, (id in done_ ? "ok" : "incomplete"), size[id], (id in base ? base[id] : "-") }' | sort |
      while read -r id st size base; do
        if [ -n "$json" ]; then
          printf '{"host":%s,"id":%s,"where":"remote","status":%s,"bytes":%s,"base":%s}\n' "$(json_str "$from")" "$(json_str "$id")" "$(json_str "$st")" "$size" "$(json_str "$base")"
        else printf '%s %s remote %s %s\n' "$from" "$id" "$st" "$size"; fi
      done
    return 0
  fi
  [ "$from" = "$BACKUP_HOST" ] || die "list: --from applies to --remote only"
  for id in $(local_ids); do
    dir=$SETS/$id
    if recorded_ok "$dir"; then st=ok; else st=unverified; fi
    size=$(du -sb "$dir" | cut -f1)
    if [ -n "$json" ]; then
      printf '{"host":%s,"id":%s,"where":"local","status":%s,"bytes":%s,"db":%s,"databases":%s,"files":%s,"base":%s,"encryption":%s}\n' \
        "$(json_str "$BACKUP_HOST")" "$(json_str "$id")" "$(json_str "$st")" "$size" "$(json_str "$(info "$dir" db_method)")" \
        "$(json_str "$(info "$dir" databases)")" "$(json_str "$(info "$dir" files_mode)")" "$(json_str "$(info "$dir" files_base)")" "$(json_str "$(info "$dir" encryption)")"
    else printf '%s %s local %s %s\n' "$BACKUP_HOST" "$id" "$st" "$size"; fi
  done
}
