/**
 * One apply at a time per host, for as long as any remote work of a run lasts.
 *
 * Two locks (flock(2), Linux drops them when the last holder exits):
 * - The run lock, /run/wpha.lock: the first round trip's shell takes it before it probes
 *   anything, answers, and then waits on its stdin; the controller keeps that stdin open for the
 *   whole run (one SSH session per host: the lock costs no channel of its own). If the
 *   controller dies, the SSH session ends, the shell sees EOF and exits, and the kernel drops the
 *   lock: no stale lock. /run/wpha.lock.info names the holder.
 * - The work lock, /run/wpha.work.lock: every round-trip script of a locked run holds it shared
 *   on fd 8, which every process the script starts inherits (apt-get, dpkg, a validation, a
 *   handler's restart). A killed controller does not stop the work under way on the host (the
 *   step runs to its end: killing dpkg midway is worse than waiting for it), and the work lock
 *   lasts until its last process exits. A new run takes the run lock, then checks the work lock
 *   is free (waiting up to --lock-timeout), else it is refused naming the processes that still
 *   hold it and the run that left them (/run/wpha.work.info).
 * Services a step starts through systemd do not inherit the lock; a step that starts a daemon
 * itself (`cmd &`) would hold it until the daemon exits, and the refusal would name it.
 */
import { quote } from '../shell/quote.js';

export const LOCK_FILE = '/run/wpha.lock';
export const LOCK_INFO = '/run/wpha.lock.info';
export const WORK_LOCK = '/run/wpha.work.lock';
export const WORK_INFO = '/run/wpha.work.info';
/** Staged file contents of locked runs: /tmp/wpha-run-<runId>-stage-<nonce>. */
export const STAGE_PREFIX = '/tmp/wpha-run-';

// Every process holding the work lock, one line each (the controller picks what to name).
const WORK_HOLDERS = `for wpha_p in $(find /proc/[0-9]*/fd -lname ${WORK_LOCK} 2>/dev/null | cut -d/ -f3 | sort -un); do
    printf '@@WPHA_LOCK_PROC %s %s\\n' "$wpha_p" "$(tr '\\0\\n' '  ' < /proc/$wpha_p/cmdline 2>/dev/null | cut -c1-400)"
  done`;

/**
 * The first round trip of a locked run takes the run lock itself, in its own shell, before it
 * probes anything: the run lock on fd 9 (waiting up to --lock-timeout), the work lock found free,
 * stale stages removed, lock.info naming this run; then the work lock shared on fd 8 like every
 * gate. The script then keeps fd 9 after its answer, until
 * its stdin ends (LOCK_HOLD_TAIL): the controller ends it when the run is done, and the
 * connection's end ends it when the controller dies. Refusals print @@WPHA_LOCK_BUSY or the
 * processes still holding the work lock (@@WPHA_LOCK_PROC lines, then @@WPHA_LOCK_WORK).
 */
export function lockHeadFragment(runId: string, holder: string, waitSeconds: number): string {
  const wait = Math.ceil(waitSeconds);
  // The wait for the work lock gets what is left of --lock-timeout after the wait for the run lock;
  // `flock FILE true` takes and drops it: only the check that no earlier run's work holds it.
  const takeWork = wait > 0 ? `wpha_left=$((${wait} - $(date +%s) + wpha_t0)); [ "$wpha_left" -ge 1 ] || wpha_left=1; flock -x -w "$wpha_left" ${WORK_LOCK} true` : `flock -x -n ${WORK_LOCK} true`;
  return [
    ...(wait > 0 ? ['wpha_t0=$(date +%s)'] : []),
    `exec 9>>${LOCK_FILE} || exit 95`,
    `if ! ${wait > 0 ? `flock -w ${wait} 9` : 'flock -n 9'}; then printf '@@WPHA_LOCK_BUSY %s\\n' "$(cat ${LOCK_INFO} 2>/dev/null)"; exit 96; fi`,
    `if ! { ${takeWork}; }; then`,
    `  ${WORK_HOLDERS}`,
    `  printf '@@WPHA_LOCK_WORK %s\\n' "$(cat ${WORK_INFO} 2>/dev/null)"; exit 96`,
    'fi',
    // No earlier locked run has anything left on this host: what its stages hold is stale
    // (a controller killed while it uploaded file contents).
    `for wpha_d in ${STAGE_PREFIX}*; do case "$wpha_d" in ${STAGE_PREFIX}${quote(runId)}-*|"${STAGE_PREFIX}*") ;; *) rm -rf "$wpha_d" ;; esac; done`,
    `wpha_li=${quote(`${runId} ${holder}`)}`,
    `( umask 022; printf '%s\\n' "$wpha_li" > ${LOCK_INFO}.tmp && mv -f ${LOCK_INFO}.tmp ${LOCK_INFO} && printf '%s\\n' "$wpha_li" > ${WORK_INFO} ) || exit 95`,
    HOLD_WORK_LOCK,
  ].join('\n');
}

/** A script of a locked run that finds the run lock not (or no longer) its own: says whose it is and stops. */
const LOCKED = `printf '@@WPHA_%s LOCKED %s\\n' "$WPHA_NONCE" "$(cat ${LOCK_INFO} 2>/dev/null)"; exit 0`;

/** The work lock, shared, on fd 8 for the script and everything it starts. */
const HOLD_WORK_LOCK = `{ exec 8>>${WORK_LOCK} && flock -s -w 30 8; } || { ${LOCKED}; }`;

/** After the first locked script's answer: hold the run lock (fd 9) until stdin ends (builtins only). */
export const LOCK_HOLD_TAIL = 'while read -r wpha_l; do :; done';

/**
 * The gate of every later script of a locked run, before it makes anything on the host: the run
 * lock still names this run (the first script took it and holds it), then the work lock shared
 * on fd 8 for the script and its children. Builtins only, no waiting.
 */
export function gateFragment(runId: string): string {
  return [`wpha_li=; [ -r ${LOCK_INFO} ] && read -r wpha_li wpha_rest < ${LOCK_INFO}`, `[ "$wpha_li" = ${quote(runId)} ] || { ${LOCKED}; }`, HOLD_WORK_LOCK].join('\n');
}

export type LockState = { state: 'busy'; holder: string } | { state: 'working'; run: string; processes: string } | { state: 'pending' };

/** What the first locked script said of the lock: busy (with the holder's line), work still running, or nothing (pending). */
export function parseLockOutput(stdout: string): LockState {
  const m = stdout.match(/@@WPHA_LOCK_BUSY ?(.*)/);
  if (m) return { state: 'busy', holder: holderOf(m[1] ?? '') };
  // The processes come first, the WORK line last: the answer is complete once that line is there.
  const w = stdout.match(/@@WPHA_LOCK_WORK ?(.*)/);
  if (w) {
    const procs = [...stdout.matchAll(/^@@WPHA_LOCK_PROC (\d+) ?(.*)$/gm)].map((x) => ({ pid: Number(x[1]), cmd: (x[2] ?? '').trim() }));
    return { state: 'working', run: holderOf(w[1] ?? ''), processes: describeHolders(procs) };
  }
  return { state: 'pending' };
}

/**
 * What an operator needs to know of the processes holding the work lock: the commands steps run
 * (apt-get ... install jq), oldest first, without the scripts' own shells and output pipes; one
 * entry per command line (apt-get and its fork are one). A long line keeps its head and its tail
 * (package names and file paths come last).
 */
export function describeHolders(procs: { pid: number; cmd: string }[]): string {
  const shells = procs.filter((p) => p.cmd === '' || p.cmd === 'sh -s' || p.cmd.startsWith('tail -c '));
  const steps = procs.filter((p) => !shells.includes(p));
  if (!steps.length) return shells.length ? `its script (pid ${shells.map((p) => p.pid).join(', ')})` : 'a process that ended since';
  const byCmd = new Map<string, number[]>();
  for (const p of steps) {
    // A `shell` step runs its text as a staged file: its path says nothing, its children do.
    const cmd = /^\/bin\/sh \/tmp\/wpha[^ ]*\/stage\/[0-9a-f]{64}$/.test(p.cmd) ? 'a shell step' : p.cmd;
    byCmd.set(cmd, [...(byCmd.get(cmd) ?? []), p.pid]);
  }
  const items = [...byCmd].map(([cmd, pids]) => `${shorten(cmd)} (pid${pids.length > 1 ? 's' : ''} ${pids.join(', ')})`);
  return items.slice(0, 4).join('; ') + (items.length > 4 ? ` and ${items.length - 4} more` : '');
}

function shorten(cmd: string): string {
  return cmd.length <= 140 ? cmd : `${cmd.slice(0, 40)} ... ${cmd.slice(-90)}`;
}

/** "<runId> <holder...>" -> the holder. */
function holderOf(line: string): string {
  return line.trim().split(' ').slice(1).join(' ') || 'an unknown holder';
}

/** The operator's message for a lock the channel could not take. */
export function lockRefusal(host: string, st: Exclude<LockState, { state: 'pending' }>): string {
  const why = st.state === 'busy' ? `is locked by another run: ${st.holder}` : `still runs work an earlier run left (${st.run}): ${st.processes}`;
  return `Host "${host}" ${why}. Try again when it ends, or pass --lock-timeout SECONDS to wait`;
}
