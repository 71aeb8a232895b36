/**
 * The scripts a round trip sends to a host, and the pure parsers of what comes back.
 *
 * A round trip is ONE script on the channel's stdin to `sh -s`. It may apply changes (each op
 * fragment in its own subshell, stdin from /dev/null so nothing can eat the rest of the script,
 * output captured and capped, a result block per op, stop at the first failure) and then probe
 * (facts and each op's probe fragment, one section each). Markers carry a per-run random nonce,
 * so no output of a host can forge them.
 */
import type { StagedFile } from '../ops/types.js';
import { TIME_MARKER, UNCHANGED_MARKER, WARN_MARKER } from '../ops/types.js';
import { FACTS_SCRIPT, knownBootFacts, type BootFacts } from './facts-probe.js';
import path from 'node:path';
import { quote } from '../shell/quote.js';
import { LOCK_HOLD_TAIL, LOCK_INFO } from './host-lock.js';

/** Where a host keeps the handlers notified by applied changes that have not run yet. */
export const PENDING_DIR = '/var/lib/wpha';
export const PENDING_HANDLERS_FILE = `${PENDING_DIR}/pending-handlers`;

export interface ApplyItem {
  /** Result id (step key). */
  id: string;
  fragment: string;
  /** Handler flags this item raises when it really changed something. */
  notifyFlags: string[];
  /** Run only when one of these handler flags is set (for handlers). */
  onlyIfFlags?: string[];
  /**
   * Handlers this item notifies, recorded on the host the moment it really changed something,
   * so that a handler still runs on the next apply if this one fails or is interrupted first.
   */
  pendingHandlers?: string[];
}

export interface ProbeItem {
  id: string;
  fragment: string;
}

export interface RoundTripScript {
  nonce: string;
  preludes: string[];
  staged: StagedFile[];
  /** Files larger than this are uploaded over SFTP by the caller into the stage before the script runs. */
  applies: ApplyItem[];
  /** When an apply fails, still run these (e.g. handlers under --force-handlers). */
  facts: boolean;
  /** With facts: the arch and virtualization remembered for the host's boot id (not detected again while it holds). */
  knownBoot?: BootFacts;
  probes: ProbeItem[];
  /** Runs in the script's own shell right before the probes (e.g. one stat for every file). */
  prefetch?: string;
  /** Stage directory created by the caller (for SFTP uploads); else the script makes one. */
  stageDir?: string;
  /**
   * Runs before the script makes anything on the host (the host lock's gate: wait until the run
   * holds the lock, then hold the work lock for the script and everything it starts).
   */
  gate?: string;
  /** Where changed steps record the handlers they notify (default PENDING_HANDLERS_FILE). */
  pendingFile?: string;
  /** The gate took the run lock (the first script of a locked run): keep it after DONE until stdin ends. */
  holdLock?: boolean;
}

/** Exit status of a script that could not stage file contents (nothing was applied). */
export const STAGE_FAILED_EXIT = 96;

/** What an op's output may keep on the host and send back: the LAST bytes (errors come last). */
export const OUT_CAP = 1024 * 1024;
export const ERR_CAP = 64 * 1024;

// The output is kept through `tail -c CAP+1` (bounded memory, nothing grows in /tmp whatever a
// command prints); a file of CAP+1 bytes means there was more, which the result line reports.
// Running a step (wpha_run) and reporting it (wpha_report) are apart so that what a changed step
// must leave on the host (its pending handlers) is recorded before the first write to the
// controller: when the controller is gone, that write ends the script (SIGPIPE, or the write
// error when the signal is ignored) right after the step under way, with nothing lost.
const RUNNER = `
wpha_run() {
  { { ( set -eu; "$2" ) </dev/null 3>&-; echo $? > "$WPHA_WORK/rc"; } 2>&1 1>&3 3>&- | tail -c ${ERR_CAP + 1} > "$WPHA_WORK/err"; } 3>&1 | tail -c ${OUT_CAP + 1} > "$WPHA_WORK/out"
  _wpha_id=$1
  _wpha_rc=$(cat "$WPHA_WORK/rc")
  _wpha_ch=1
  if grep -qx '${UNCHANGED_MARKER}' "$WPHA_WORK/out"; then _wpha_ch=0; fi
  set -- $(stat -c %s "$WPHA_WORK/out" "$WPHA_WORK/err")
  _wpha_so=$1 _wpha_se=$2
  _wpha_tr=
  if [ "$_wpha_so" -gt ${OUT_CAP} ]; then _wpha_tr=o; fi
  if [ "$_wpha_se" -gt ${ERR_CAP} ]; then _wpha_tr="\${_wpha_tr}e"; fi
}
wpha_report() {
  {
    printf '@@WPHA_%s RESULT %s %s %s %s\\n' "$WPHA_NONCE" "$_wpha_id" "$_wpha_rc" "$_wpha_ch" "\${_wpha_tr:--}"
    if [ "$_wpha_so" -gt ${OUT_CAP} ]; then tail -c ${OUT_CAP} "$WPHA_WORK/out" | base64 -w0; else base64 -w0 < "$WPHA_WORK/out"; fi; printf '\\n'
    if [ "$_wpha_se" -gt ${ERR_CAP} ]; then tail -c ${ERR_CAP} "$WPHA_WORK/err" | base64 -w0; else base64 -w0 < "$WPHA_WORK/err"; fi; printf '\\n'
  } || exit 141
  return "$_wpha_rc"
}
wpha_probe() {
  printf '@@WPHA_%s PROBE %s\\n' "$WPHA_NONCE" "$1"
  ( "$2" ) </dev/null 9>&-
  printf '\\n@@WPHA_%s PROBE_END %s %s\\n' "$WPHA_NONCE" "$1" "$?"
}
`;

function fnName(prefix: string, i: number): string {
  return `wpha_${prefix}${i}`;
}

/** Build the script text. Pure. */
export function buildScript(s: RoundTripScript): string {
  const parts: string[] = [
    'set -u',
    'umask 077',
    'export LC_ALL=C DEBIAN_FRONTEND=noninteractive PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `WPHA_NONCE=${s.nonce}`,
    ...(s.gate ? [s.gate] : []),
    'WPHA_WORK=$(mktemp -d /tmp/wpha.XXXXXXXX) || exit 97',
    'export WPHA_WORK',
    s.stageDir ? `WPHA_STAGE=${s.stageDir}` : 'WPHA_STAGE="$WPHA_WORK/stage"; mkdir "$WPHA_STAGE"',
    'export WPHA_STAGE',
    `trap '${s.holdLock ? `rm -f ${LOCK_INFO}; ` : ''}rm -rf "$WPHA_WORK"${s.stageDir ? ` "${s.stageDir}"` : ''}' EXIT`,
    "trap 'exit 143' INT TERM HUP PIPE",
    // The work and stage folders are private (0700, made under umask 077 above); what the
    // fragments create gets the usual 022 unless an op says otherwise.
    'umask 022',
    RUNNER,
    `wpha_stage_failed() { echo "cannot write $1 bytes of file content to apply into $WPHA_STAGE (is the disk full?); nothing was changed" >&2; exit ${STAGE_FAILED_EXIT}; }`,
    ...s.preludes,
  ];
  for (const f of s.staged) {
    if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new Error(`Staged file name must be a sha256, not "${f.sha256}"`);
    const b64 = f.content.toString('base64').replace(/.{1,76}/g, '$&\n');
    // A full /tmp must stop the script here, before any op copies a truncated stage file.
    const target = `"$WPHA_STAGE/${f.sha256}"`;
    parts.push(
      `base64 -d > ${target} <<'WPHA_B64_EOF' || wpha_stage_failed ${f.content.length}\n${b64}WPHA_B64_EOF`,
      `[ "$(wc -c < ${target})" -eq ${f.content.length} ] || wpha_stage_failed ${f.content.length}`,
    );
  }
  s.applies.forEach((a, i) => {
    const fn = fnName('a', i);
    parts.push(`${fn}() {\n${a.fragment}\n}`);
    const pending = s.pendingFile ?? PENDING_HANDLERS_FILE;
    const record = a.pendingHandlers?.length ? [`mkdir -p ${quote(path.posix.dirname(pending))} && printf '%s\\n' ${a.pendingHandlers.map((h) => quote(h)).join(' ')} >> ${quote(pending)}`] : [];
    const raise = [...a.notifyFlags.map((f) => `${f}=1`), ...record].join('; ');
    // A plain command, never `wpha_run ... || exit`: inside an || list the shell ignores `set -e`
    // for everything the function runs, so a fragment would go on after a failed command.
    const run = `wpha_run ${a.id} ${fn}${raise ? `\nif [ "$_wpha_rc" = 0 ] && [ "$_wpha_ch" = 1 ]; then ${raise}; fi` : ''}\nwpha_report\nif [ "$?" -ne 0 ]; then exit 0; fi`;
    parts.push(a.onlyIfFlags?.length ? `if [ -n "${a.onlyIfFlags.map((f) => `\${${f}:-}`).join('')}" ]; then\n${run}\nfi` : run);
  });
  if (s.facts) parts.push(...(s.knownBoot ? [knownBootFacts(s.knownBoot)] : []), `wpha_facts() {${FACTS_SCRIPT}}`, 'wpha_probe facts wpha_facts');
  if (s.prefetch && s.probes.length) parts.push(s.prefetch);
  s.probes.forEach((p, i) => {
    const fn = fnName('p', i);
    parts.push(`${fn}() {\n${p.fragment}\n}`, `wpha_probe ${p.id} ${fn}`);
  });
  parts.push(`printf '@@WPHA_%s DONE\\n' "$WPHA_NONCE"`, ...(s.holdLock ? [LOCK_HOLD_TAIL] : []));
  // One brace group: sh parses all of it before running any of it, so a script cut short (the
  // connection dropped while it was being sent) is a syntax error that runs nothing, instead of
  // running its first part and maybe half a command line.
  return `{\n${parts.join('\n')}\n}\n`;
}

/** How the first script of a locked run ends (it holds the lock after its answer): complete once this arrived. */
export const HOLDING_SCRIPT_END = `${LOCK_HOLD_TAIL}\n}\n`;

export interface ApplyResult {
  id: string;
  rc: number;
  changed: boolean;
  stdout: string;
  stderr: string;
  warnings: string[];
  /** Milliseconds the step spent in timed parts on the host (TIME_MARKER lines), by kind: apt, service. */
  timings: Record<string, number>;
}

export interface ParsedRoundTrip {
  applies: ApplyResult[];
  probes: Map<string, { stdout: string; rc: number }>;
  /** The script ran to its end (false when an apply failed or the host went away). */
  done: boolean;
  /** Set when the script gave up waiting for the host lock: the holder's line. */
  locked?: string;
}

/** Parse a round trip's stdout. Pure. Unknown lines (a host's own noise) are ignored. */
export function parseRoundTrip(stdout: string, nonce: string): ParsedRoundTrip {
  const tag = `@@WPHA_${nonce} `;
  const lines = stdout.split('\n');
  const out: ParsedRoundTrip = { applies: [], probes: new Map(), done: false };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith(tag)) continue;
    const [kind, id, a, b, c] = line.slice(tag.length).split(' ');
    if (kind === 'RESULT' && id) {
      const stdoutText = decode(lines[i + 1] ?? '');
      const stderrText = decode(lines[i + 2] ?? '');
      i += 2;
      const warnings = stdoutText
        .split('\n')
        .filter((l) => l.startsWith(`${WARN_MARKER} `))
        .map((l) => l.slice(WARN_MARKER.length + 1));
      if (c?.includes('o')) warnings.push(`output truncated: the step printed more than ${OUT_CAP / 1024} KiB on stdout; only the last ${OUT_CAP / 1024} KiB were kept`);
      if (c?.includes('e')) warnings.push(`output truncated: the step printed more than ${ERR_CAP / 1024} KiB on stderr; only the last ${ERR_CAP / 1024} KiB were kept`);
      out.applies.push({
        id,
        rc: Number(a),
        changed: b === '1' && Number(a) === 0,
        stdout: stripMarkers(stdoutText),
        stderr: stderrText,
        warnings,
        timings: timingsOf(stdoutText),
      });
    } else if (kind === 'PROBE' && id) {
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const l = lines[j]!;
        if (l.startsWith(`${tag}PROBE_END ${id} `)) break;
        body.push(l);
      }
      const end = lines[j] ?? '';
      const rc = Number(end.split(' ').pop());
      // The END marker follows a newline the script adds, so drop exactly one trailing empty line.
      if (body.length && body[body.length - 1] === '') body.pop();
      out.probes.set(id, { stdout: body.join('\n'), rc: Number.isFinite(rc) ? rc : -1 });
      i = j;
    } else if (kind === 'DONE') {
      out.done = true;
    } else if (kind === 'LOCKED') {
      out.locked =
        line
          .slice(tag.length + 'LOCKED '.length)
          .split(' ')
          .slice(1)
          .join(' ') || 'an unknown holder';
    }
  }
  return out;
}

function decode(b64: string): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.from(b64.trim(), 'base64'));
}

function stripMarkers(text: string): string {
  return text
    .split('\n')
    .filter((l) => l !== UNCHANGED_MARKER && !l.startsWith(`${WARN_MARKER} `) && !l.startsWith(`${TIME_MARKER} `))
    .join('\n');
}

/** `@@WPHA_TIME apt 1234` lines, summed by kind. */
export function timingsOf(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^@@WPHA_TIME (\w+) (\d+)$/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  return out;
}
