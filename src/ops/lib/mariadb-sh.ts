/**
 * Shell pieces the mariadb_replication operation's apply fragments share: SQL sent to the local
 * server as root through its socket (in a quoted here-document, so nothing in it is expanded and
 * no secret reaches a command line), and two bounded waits.
 */

export { sqlHeredoc } from '../../db/replication-sql.js';

/**
 * wpha_sql SQL: one statement as root (text written by wpha, never a secret).
 * wpha_repl_wait_replica SECONDS: until a replica is connected (Slaves_connected > 0); 1 on timeout.
 * wpha_repl_wait_io SECONDS: until this replica's IO thread runs (it connected to its primary);
 *   on timeout it fails with the replication errors the server reports.
 */
export const REPLICATION_PRELUDE = `wpha_sql() { mariadb --batch -N -e "$1"; }
wpha_repl_wait_replica() {
  _wrn=0
  while [ "$_wrn" -lt "$1" ]; do
    [ "$(wpha_sql "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='SLAVES_CONNECTED'")" -gt 0 ] 2>/dev/null && return 0
    sleep 1; _wrn=$((_wrn + 1))
  done
  return 1
}
wpha_repl_wait_io() {
  _wri=0
  while :; do
    _wrs=$(mariadb -E -e 'SHOW SLAVE STATUS')
    case $(printf '%s\\n' "$_wrs" | sed -n 's/^ *Slave_IO_Running: //p') in Yes) return 0 ;; esac
    [ "$_wri" -lt "$1" ] || break
    sleep 1; _wri=$((_wri + 1))
  done
  echo "replication did not start within $1 s:" >&2
  printf '%s\\n' "$_wrs" | grep -E '^ *(Slave_IO_Running|Slave_SQL_Running|Last_IO_Error|Last_SQL_Error):' >&2
  return 1
}`;
