# Managed by wpha. Shared helpers of wpha-backup: paths, logging, lock, reading a backup's INFO.
# shellcheck shell=bash

SETS=$BACKUP_DIR/sets
RESTORE_DIR=$BACKUP_DIR/restore
STATE_DIR=${WPHA_BACKUP_STATE:-/var/lib/wpha-backup}
ID_RE='^[0-9]{8}T[0-9]{6}Z$'

log() { printf 'wpha-backup: %s\n' "$*" >&2; }
die() { LAST_ERROR="$*"; log "$*"; exit 1; }

# Runs a command holding the host's backup lock: a timer run, a verify and a restore never
# overlap (the second waits up to an hour, then gives up).
with_lock() {
  mkdir -p /run/lock
  exec 9>/run/lock/wpha-backup.lock
  flock -w 3600 9 || die "another wpha-backup has held the lock for an hour; giving up"
  "$@"
}

is_id() { [[ $1 =~ $ID_RE ]]; }

# Backups of this host, oldest first (complete ones only: .ID.partial folders are not listed).
local_ids() {
  local d
  [ -d "$SETS" ] || return 0
  for d in "$SETS"/*/; do
    d=${d%/}
    d=${d##*/}
    if is_id "$d"; then echo "$d"; fi
  done
}

# info SETDIR KEY: the value of KEY in SETDIR/INFO (the rest of the first line starting with it).
info() { awk -v k="$2" '$1 == k { sub(/^[^ ]+ ?/, ""); print; exit }' "$1/INFO" 2>/dev/null; }

# The files of a backup that hold data (everything but INFO, MANIFEST.sha256 and VERIFIED).
artifacts() { awk '$1 == "size" { print $2 }' "$1/INFO"; }

json_str() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# Where this host's backups (or HOST's) live on the remote: REMOTE:PATH/HOST.
remote_root() {
  [ -n "$BACKUP_REMOTE" ] || die "no remote is configured (backup_remote)"
  printf '%s:%s/%s' "$BACKUP_REMOTE" "$BACKUP_REMOTE_PATH" "${1:-$BACKUP_HOST}"
}

rclone_() {
  local extra=()
  [ -z "$BACKUP_BWLIMIT" ] || extra+=(--bwlimit "$BACKUP_BWLIMIT")
  rclone --config "$RCLONE_CONFIG" "${extra[@]}" "$@"
}

# status RESULT ID MESSAGE: what monitoring reads (`wpha-backup status`, key value lines).
status() {
  mkdir -p "$STATE_DIR"
  local tmp
  tmp=$(mktemp "$STATE_DIR/.status.XXXXXX")
  {
    echo "result $1"
    echo "time $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "id ${2:--}"
    echo "message $3"
    if [ "$1" = ok ]; then echo "last_success $(date -u +%Y-%m-%dT%H:%M:%SZ)"; else grep '^last_success ' "$STATE_DIR/status" 2>/dev/null || true; fi
  } > "$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$STATE_DIR/status"
}
