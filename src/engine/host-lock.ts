/**
 * One apply at a time per host. A lock channel, opened beside the first round trip, takes
 * flock(2) on /run/wpha.lock in a remote shell that then waits on its stdin; the controller keeps
 * that stdin open for the whole run and closes it at the end. If the controller dies, the SSH
 * session ends, the shell sees EOF and exits, and the kernel drops the lock: a killed run can
 * never leave a stale lock. /run/wpha.lock.info names the holder (who, where, pid, since when).
 * The first script of the run waits until the info file names this run before it probes.
 */
import { quote } from '../shell/quote.js';

export const LOCK_FILE = '/run/wpha.lock';
export const LOCK_INFO = '/run/wpha.lock.info';

export function lockScript(runId: string, holder: string, waitSeconds: number): string {
  const take = waitSeconds > 0 ? `flock -w ${Math.ceil(waitSeconds)} 9` : 'flock -n 9';
  return [
    'umask 022',
    `exec 9>>${LOCK_FILE} || exit 95`,
    `if ! ${take}; then printf '@@WPHA_LOCK_BUSY %s\\n' "$(cat ${LOCK_INFO} 2>/dev/null)"; exit 96; fi`,
    `printf '%s\\n' ${quote(`${runId} ${holder}`)} > ${LOCK_INFO}.tmp && mv -f ${LOCK_INFO}.tmp ${LOCK_INFO}`,
    "echo '@@WPHA_LOCK_OK'",
    'cat >/dev/null',
    `rm -f ${LOCK_INFO}`,
    '',
  ].join('\n');
}

/** Prefix of the first round trip: wait (briefly) until the lock channel has recorded this run. */
export function awaitLockFragment(runId: string, waitSeconds: number): string {
  const tries = Math.ceil((waitSeconds + 10) / 0.01);
  // Builtins only while waiting (read, not cut): the wait usually ends at the first or second look.
  return [
    'wpha_w=0',
    `while :; do wpha_li=; [ -r ${LOCK_INFO} ] && read -r wpha_li wpha_rest < ${LOCK_INFO}; [ "$wpha_li" = ${quote(runId)} ] && break`,
    '  wpha_w=$((wpha_w+1))',
    `  if [ "$wpha_w" -gt ${tries} ]; then printf '@@WPHA_%s LOCKED %s\\n' "$WPHA_NONCE" "$(cat ${LOCK_INFO} 2>/dev/null)"; exit 0; fi`,
    '  sleep 0.01',
    'done',
  ].join('\n');
}

/** What the lock channel said: held by us, busy (with the holder's line), or another failure. */
export function parseLockOutput(stdout: string): { state: 'ok' } | { state: 'busy'; holder: string } | { state: 'pending' } {
  if (stdout.includes('@@WPHA_LOCK_OK')) return { state: 'ok' };
  const m = stdout.match(/@@WPHA_LOCK_BUSY ?(.*)/);
  if (m) return { state: 'busy', holder: (m[1] ?? '').trim().split(' ').slice(1).join(' ') || 'an unknown holder' };
  return { state: 'pending' };
}
