# Managed by wpha. Taking a backup: the databases (mariadb-dump or mariabackup), the data
# folders (a full tar archive once a day, then differential ones against it), the config
# folders, each compressed with zstd and, with age, encrypted to the recipient; then INFO and
# the sha256 manifest, and the folder renamed into place.
# shellcheck shell=bash

# seal FILE: stdin -> compressed (and encrypted) FILE; records its size in INFO.
seal() {
  local out=$1
  if [ "$BACKUP_ENCRYPTION" = age ]; then
    zstd -q -T0 "-$BACKUP_LEVEL" | age -r "$BACKUP_AGE_RECIPIENT" > "$WORK/$out"
  else
    zstd -q -T0 "-$BACKUP_LEVEL" > "$WORK/$out"
  fi
  echo "size $out $(stat -c %s "$WORK/$out")" >> "$WORK/INFO.sizes"
}

ext() { if [ "$BACKUP_ENCRYPTION" = age ]; then echo .zst.age; else echo .zst; fi; }

# Whether this server may be backed up now (backup_db_source: replica = only a read-only
# replica whose replication runs). Prints why not; exit 2 = skip, 1 = error.
db_source_ok() {
  [ "$BACKUP_DB_SOURCE" = replica ] || return 0
  local ro io sql
  ro=$(mariadb -NBe 'SELECT @@global.read_only') || { log "cannot ask the server whether it is read-only"; return 1; }
  if [ "$ro" != 1 ]; then echo "this server is writable (a primary): the database is backed up on a replica"; return 2; fi
  io=$(mariadb -Be 'SHOW SLAVE STATUS\G' | awk '$1 == "Slave_IO_Running:" { print $2 }')
  sql=$(mariadb -Be 'SHOW SLAVE STATUS\G' | awk '$1 == "Slave_SQL_Running:" { print $2 }')
  if [ "$io" != Yes ] || [ "$sql" != Yes ]; then echo "this replica does not replicate (IO ${io:-none}, SQL ${sql:-none}): its data may be stale"; return 1; fi
}

take_db() {
  local why rc=0 dbs=()
  why=$(db_source_ok) || rc=$?
  if [ $rc = 2 ]; then log "database skipped: $why"; echo "db_method none (skipped: $why)" >> "$WORK/INFO.head"; return 0; fi
  [ $rc = 0 ] || die "database not backed up: $why"
  if [ "$BACKUP_DB_SOURCE" = replica ]; then echo "gtid_slave_pos $(mariadb -NBe 'SELECT @@global.gtid_slave_pos')" >> "$WORK/INFO.head"; fi
  if [ "$BACKUP_DB_METHOD" = mariabackup ]; then
    # The whole server, physically: fast to restore for large data, same MariaDB version needed.
    mariabackup --backup --stream=xbstream --user=root --target-dir=/tmp 2> "$WORK/mariabackup.log" | seal "db.mbstream$(ext)" || { tail -n 5 "$WORK/mariabackup.log" >&2; die "mariabackup failed"; }
    rm -f "$WORK/mariabackup.log"
    echo "db_method mariabackup" >> "$WORK/INFO.head"
    echo "databases *" >> "$WORK/INFO.head"
    return 0
  fi
  if [ ${#BACKUP_DATABASES[@]} -gt 0 ]; then dbs=("${BACKUP_DATABASES[@]}"); else
    # Not the system databases, nor wpha's own: wpha (the mariadb role's record of what it
    # applied, written again by the next apply) and wpha_prev_* / wpha_restore_* (a restore's).
    mapfile -t dbs < <(mariadb -NBe "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN ('mysql','information_schema','performance_schema','sys','wpha') AND schema_name NOT LIKE 'wpha\\_%' ORDER BY 1")
  fi
  local db
  for db in "${dbs[@]}"; do
    # One consistent snapshot per database (InnoDB), no CREATE DATABASE: it loads under any name.
    mariadb-dump --single-transaction --quick --hex-blob --triggers --default-character-set=utf8mb4 -- "$db" | seal "db-$db.sql$(ext)"
  done
  echo "db_method dump" >> "$WORK/INFO.head"
  echo "databases ${dbs[*]}" >> "$WORK/INFO.head"
}

# tar of PATHS (absolute; missing ones skipped), relative to /. Exit 1 of tar (a file changed
# while read) is a warning; 2 is an error.
tar_paths() {
  local snar=$1
  shift
  local rel=() p
  for p in "$@"; do
    if [ -e "$p" ]; then rel+=("${p#/}"); else log "skipped missing path $p"; fi
  done
  local args=(--create --file=- --numeric-owner --acls --xattrs --directory=/)
  [ -z "$snar" ] || args+=("--listed-incremental=$snar")
  for p in "${BACKUP_EXCLUDE[@]}"; do args+=("--exclude=$p"); done
  if [ ${#rel[@]} -eq 0 ]; then tar "${args[@]}" --files-from=/dev/null; return 0; fi
  tar "${args[@]}" -- "${rel[@]}" || { rc=$?; [ $rc = 1 ] && { log "some files changed while they were archived"; return 0; }; return $rc; }
}

take_files() {
  [ ${#BACKUP_PATHS[@]} -gt 0 ] || { echo "files_mode none" >> "$WORK/INFO.head"; return 0; }
  local base snar=$STATE_DIR/files.snar
  base=$(cat "$STATE_DIR/files.base" 2>/dev/null || true)
  # A full archive when none exists yet, when the last one's day is over, when its backup is
  # gone or bad, or encrypted otherwise: differential archives are made against a full one that
  # verified and reads with the same key.
  if [ "$BACKUP_FILES_FULL" = always ] || [ -z "$base" ] || [ "${base:0:8}" != "${ID:0:8}" ] || ! recorded_ok "$SETS/$base" || [ ! -f "$snar" ] \
    || [ "$(info "$SETS/$base" encryption)" != "$BACKUP_ENCRYPTION" ]; then
    rm -f "$STATE_DIR/files.snar.new"
    tar_paths "$STATE_DIR/files.snar.new" "${BACKUP_PATHS[@]}" | seal "files-full.tar$(ext)"
    echo "files_mode full" >> "$WORK/INFO.head"
    echo "files_base $ID" >> "$WORK/INFO.head"
  else
    cp "$snar" "$WORK/files.snar"
    tar_paths "$WORK/files.snar" "${BACKUP_PATHS[@]}" | seal "files-diff-$base.tar$(ext)"
    rm -f "$WORK/files.snar"
    echo "files_mode differential" >> "$WORK/INFO.head"
    echo "files_base $base" >> "$WORK/INFO.head"
  fi
  echo "paths ${BACKUP_PATHS[*]}" >> "$WORK/INFO.head"
}

take_configs() {
  [ ${#BACKUP_CONFIG_PATHS[@]} -gt 0 ] || return 0
  tar_paths "" "${BACKUP_CONFIG_PATHS[@]}" | seal "configs.tar$(ext)"
  echo "config_paths ${BACKUP_CONFIG_PATHS[*]}" >> "$WORK/INFO.head"
}

# take: builds the backup $ID in $SETS/.$ID.partial and renames it into place.
take() {
  WORK=$SETS/.$ID.partial
  mkdir -p "$SETS" "$STATE_DIR"
  rm -rf "$WORK"
  mkdir "$WORK"
  printf 'format wpha-backup 1\nid %s\nhost %s\nstarted %s\nencryption %s\n' "$ID" "$BACKUP_HOST" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$BACKUP_ENCRYPTION" > "$WORK/INFO.head"
  : > "$WORK/INFO.sizes"
  if [ "$BACKUP_DB" = 1 ]; then take_db; else echo "db_method none" >> "$WORK/INFO.head"; fi
  take_files
  take_configs
  echo "finished $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$WORK/INFO.head"
  cat "$WORK/INFO.head" "$WORK/INFO.sizes" > "$WORK/INFO"
  rm -f "$WORK/INFO.head" "$WORK/INFO.sizes"
  (cd "$WORK" && sha256sum -- INFO $(artifacts .) > MANIFEST.sha256)
  mv "$WORK" "$SETS/$ID"
  if [ -f "$STATE_DIR/files.snar.new" ]; then mv -f "$STATE_DIR/files.snar.new" "$STATE_DIR/files.snar"; echo "$ID" > "$STATE_DIR/files.base"; fi
}

# push_pending: every local backup that verified and is not complete on the remote (a run whose
# push failed is caught up by the next one).
push_pending() {
  local files id
  files=$(remote_files "$BACKUP_HOST")
  for id in $(local_ids); do
    recorded_ok "$SETS/$id" || continue
    grep -q "^$id VERIFIED " <<< "$files" && continue
    push_set "$id" || die "backup $id was not pushed to $(remote_root)"
    log "backup $id pushed to $(remote_root)"
  done
}

cmd_run() {
  ID=$(date -u +%Y%m%dT%H%M%SZ)
  [ ! -e "$SETS/$ID" ] || die "backup $ID exists already"
  trap 'rc=$?; [ $rc = 0 ] || status failed "$ID" "${LAST_ERROR:-the run stopped with status $rc (see the journal)}"' EXIT
  take
  verify_set "$SETS/$ID" || die "backup $ID does not verify right after it was made"
  mark_verified "$SETS/$ID"
  log "backup $ID taken: $(du -sh "$SETS/$ID" | cut -f1)"
  # Retention here first (it frees room), then the catch-up push, then retention there.
  echo "# here ($SETS)" >&2
  prune_with "$(local_statuses)" "" drop_local >&2
  if [ -n "$BACKUP_REMOTE" ]; then
    push_pending
    echo "# remote ($(remote_root))" >&2
    prune_with "$(remote_statuses "$BACKUP_HOST")" "" drop_remote >&2
  fi
  status ok "$ID" "taken, verified${BACKUP_REMOTE:+, pushed}"
  echo "$ID"
}
