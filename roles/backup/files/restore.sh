# Managed by wpha. Restoring a backup onto this host: checksums first (a backup that fails them
# is refused, exit 3), then each database loaded beside the live one and swapped in with one
# RENAME TABLE (the previous tables stay in wpha_prev_<db>), each data folder extracted beside
# and swapped in (the previous one stays as <folder>.wpha-before-restore).
# shellcheck shell=bash

# open_artifact FILE: its plain content on stdout.
open_artifact() {
  if [[ $1 == *.age ]]; then age -d -i "$IDENTITY" "$1" | zstd -dc; else zstd -dc "$1"; fi
}

q() { printf '`%s`' "${1//\`/\`\`}"; }

restore_dump() {
  local name=$1 file=$2 tmp prev tables
  tmp=wpha_restore_$name
  prev=wpha_prev_$name
  [ ${#prev} -le 64 ] || die "database name \"$name\" is too long to restore beside the live one"
  mariadb -e "DROP DATABASE IF EXISTS $(q "$tmp"); CREATE DATABASE $(q "$tmp") CHARACTER SET utf8mb4"
  open_artifact "$file" | mariadb --default-character-set=utf8mb4 "$tmp" || die "loading $file into $tmp failed: the live database $name was not touched"
  # One RENAME TABLE moves the live tables aside and the restored ones in: atomic for clients.
  mariadb -e "CREATE DATABASE IF NOT EXISTS $(q "$name"); DROP DATABASE IF EXISTS $(q "$prev"); CREATE DATABASE $(q "$prev")"
  tables=$(mariadb -NB -e "SELECT CONCAT('\`', REPLACE(table_schema, '\`', '\`\`'), '\`.\`', REPLACE(table_name, '\`', '\`\`'), '\` TO \`', IF(table_schema = '$tmp', REPLACE('$name', '\`', '\`\`'), '$prev'), '\`.\`', REPLACE(table_name, '\`', '\`\`'), '\`') FROM information_schema.tables WHERE table_schema IN ('$name', '$tmp') AND table_type = 'BASE TABLE' ORDER BY table_schema = '$tmp', table_name" | paste -sd, -)
  [ -z "$tables" ] || mariadb -e "RENAME TABLE $tables"
  mariadb -e "DROP DATABASE $(q "$tmp")"
  echo "restored database $name ($(mariadb -NBe "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$name'") tables; the previous ones are in $prev)"
}

restore_physical() {
  local file=$1 datadir staging
  datadir=$(my_print_defaults --mysqld | awk -F= '$1 == "--datadir" { d = $2 } END { print d }')
  datadir=${datadir:-/var/lib/mysql}
  datadir=${datadir%/}
  staging=${datadir%/*}/.mysql-restore-$ID
  rm -rf "$staging"
  mkdir -p "$staging"
  open_artifact "$file" | mbstream -x -C "$staging"
  mariabackup --prepare --target-dir="$staging" > "$staging.prepare.log" 2>&1 || { tail -n 5 "$staging.prepare.log" >&2; die "mariabackup --prepare failed: the live data was not touched"; }
  rm -f "$staging.prepare.log"
  systemctl stop mariadb
  rm -rf "$datadir.wpha-before-restore"
  mv "$datadir" "$datadir.wpha-before-restore"
  mv "$staging" "$datadir"
  chown -R mysql:mysql "$datadir"
  systemctl start mariadb
  echo "restored the whole MariaDB data folder $datadir (the previous one is $datadir.wpha-before-restore)"
}

restore_files() {
  local dir=$1 base mode staging basedir p src old x
  mode=$(info "$dir" files_mode)
  [ -n "$mode" ] && [ "$mode" != none ] || { echo "no data folders in this backup"; return 0; }
  base=$(info "$dir" files_base)
  basedir=${dir%/*}/$base
  x=$(ext_of "$dir")
  staging=$RESTORE_DIR/.files-$ID
  rm -rf "$staging"
  mkdir -p "$staging"
  # The full archive, then the differential one: --listed-incremental also deletes what did not
  # exist when the differential was made, so the folder is exactly as it was then.
  open_artifact "$basedir/files-full.tar$(ext_of "$basedir")" | tar --extract --file=- --listed-incremental=/dev/null --numeric-owner --acls --xattrs --directory="$staging"
  [ "$mode" != differential ] || open_artifact "$dir/files-diff-$base.tar$x" | tar --extract --file=- --listed-incremental=/dev/null --numeric-owner --acls --xattrs --directory="$staging"
  for p in $(info "$dir" paths); do
    src=$staging/${p#/}
    [ -e "$src" ] || { echo "left $p alone: it did not exist when the backup was taken"; continue; }
    if mountpoint -q "$p" 2>/dev/null; then die "$p is a mount point: restore it by hand from $src"; fi
    old=$p.wpha-before-restore
    rm -rf "$old"
    if [ -e "$p" ]; then mv "$p" "$old"; fi
    mkdir -p "${p%/*}"
    mv "$src" "$p"
    echo "restored $p (the previous one is $old)"
  done
  rm -rf "$staging"
}

restore_configs() {
  local dir=$1 x
  x=$(ext_of "$dir")
  [ -f "$dir/configs.tar$x" ] || { echo "no config folders in this backup"; return 0; }
  local before=$RESTORE_DIR/configs-before-$ID.tar
  # shellcheck disable=SC2046
  tar --create --file="$before" --directory=/ --ignore-failed-read $(for p in $(info "$dir" config_paths); do [ -e "$p" ] && echo "${p#/}"; done) 2>/dev/null || true
  open_artifact "$dir/configs.tar$x" | tar --extract --file=- --numeric-owner --directory=/
  echo "restored config files of $(info "$dir" config_paths) (the previous ones are in $before)"
}

ext_of() { if [ "$(info "$1" encryption)" = age ]; then echo .zst.age; else echo .zst; fi; }

cmd_restore() {
  local from=$BACKUP_HOST parts=() dry= dir f
  IDENTITY=
  while [ $# -gt 0 ]; do
    case "$1" in
      --from) from=$2; shift ;;
      --db | --files | --configs) parts+=("${1#--}") ;;
      --identity) IDENTITY=$2; shift ;;
      --dry-run) dry=1 ;;
      *) ID=$1 ;;
    esac
    shift
  done
  is_id "${ID:-}" || die "restore: give the id of a backup (YYYYmmddTHHMMSSZ)"
  [ ${#parts[@]} -gt 0 ] || parts=(db files)
  if [ "$from" = "$BACKUP_HOST" ] && [ -d "$SETS/$ID" ]; then dir=$SETS/$ID
  elif [ -n "$dry" ]; then
    remote_quick_check "$from" "$ID" "$(remote_files "$from")" || exit 3
    echo "would download $from/$ID from $(remote_root "$from"), check its sha256 manifest, then restore: ${parts[*]}"
    return 0
  else dir=$(fetch_set "$from" "$ID") || die "backup $from/$ID could not be fetched"
  fi
  if ! verify_set "$dir"; then
    [ "$dir" != "$SETS/$ID" ] || mark_bad "$dir"
    log "refused: backup $from/$ID fails its checksums (above); nothing was restored"
    exit 3
  fi
  if [ "$(info "$dir" encryption)" = age ] && [ ! -s "${IDENTITY:-/nonexistent}" ]; then log "backup $from/$ID is encrypted: give the age identity (--identity FILE)"; exit 4; fi
  if [ -n "$dry" ]; then
    echo "backup $from/$ID verified ($(info "$dir" started)); would restore: ${parts[*]}"
    [[ " ${parts[*]} " != *" db "* ]] || echo "  databases: $(info "$dir" databases) ($(info "$dir" db_method); live tables kept in wpha_prev_<db>)"
    [[ " ${parts[*]} " != *" files "* ]] || echo "  folders: $(info "$dir" paths) (live ones kept as <folder>.wpha-before-restore)"
    [[ " ${parts[*]} " != *" configs "* ]] || echo "  configs: $(info "$dir" config_paths)"
    return 0
  fi
  for part in "${parts[@]}"; do
    case "$part" in
      db)
        case "$(info "$dir" db_method)" in
          dump) for f in "$dir"/db-*.sql.zst*; do n=${f##*/db-}; restore_dump "${n%%.sql.zst*}" "$f"; done ;;
          mariabackup) restore_physical "$dir/db.mbstream$(ext_of "$dir")" ;;
          *) echo "no database in this backup" ;;
        esac ;;
      files) restore_files "$dir" ;;
      configs) restore_configs "$dir" ;;
    esac
  done
  local c
  for c in "${BACKUP_POST_RESTORE[@]}"; do bash -c "$c" || die "after the restore, \"$c\" failed"; done
  [ "$dir" = "$SETS/$ID" ] || rm -rf "${RESTORE_DIR:?}/$from"
  echo "restore of $from/$ID done"
}
