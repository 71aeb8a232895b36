/**
 * Runs round-trip scripts on one host over its single connection (SSH, or the local shell for
 * `connection: local`: the same scripts and invocations either way): as root directly, or
 * through sudo (`sudo -n`; with a password only when sudo asks for one, fed on stdin, never on a
 * command line). Large staged files go over SFTP first.
 */
import { randomBytes } from 'node:crypto';
import type { Connector, ExecResult } from '../transport/connector.js';
import { ConnectError, OperationError } from '../errors.js';
import { buildScript, parseRoundTrip, STAGE_FAILED_EXIT, type RoundTripScript, type ParsedRoundTrip } from './script.js';
import { lockHeadFragment, gateFragment, parseLockOutput, lockRefusal, STAGE_PREFIX } from './host-lock.js';
import { DEFAULT_ROUND_TRIP_TIMEOUT_S, formatSeconds, withDeadline } from './deadline.js';
import { AnswerLine } from './answer-line.js';

/** Staged contents above this size travel over SFTP instead of inline base64. */
export const SFTP_THRESHOLD_BYTES = 256 * 1024;

export interface RoundTripResult extends ParsedRoundTrip {
  exitCode: number;
  stderr: string;
  truncated: boolean;
  /** Set when the connection went away before the script ended: why, for messages. */
  lost?: string;
}

type BecomeMode = 'none' | 'sudo-nopass' | 'sudo-pass';

// Both sudo calls are children of the same shell, so the ticket `sudo -v` records (keyed by the
// parent process when there is no terminal) is the one `sudo -n` finds. The password reaches
// sudo through a here-document (a pipe in dash), never through an argument.
const SUDO_WITH_PASSWORD = ["sh -c 'IFS= read -r wpha_pw || exit 98", 'sudo -S -v -p "" 2>/dev/null <<WPHA_PW_EOF || exit 98', '$wpha_pw', 'WPHA_PW_EOF', "unset wpha_pw; sudo -n -- sh -s'"].join(
  '\n',
);

export class Remote {
  roundTrips = 0;
  /** Longest wait for one round trip's answer; then the connection is dropped and the host reported (0: no limit). */
  roundTripTimeoutMs = DEFAULT_ROUND_TRIP_TIMEOUT_S * 1000;
  private mode: BecomeMode;
  /** The run's lock: `held` is the first round trip's channel, which keeps it until released. */
  private lock?: { runId: string; holder: string; waitSeconds: number; held?: { endInput: () => void; done: Promise<unknown> } };

  constructor(
    readonly conn: Connector,
    readonly hostName: string,
    readonly user: string,
    become: boolean,
    private readonly sudoPassword?: string,
  ) {
    this.mode = become && user !== 'root' ? 'sudo-nopass' : 'none';
  }

  static newNonce(): string {
    return randomBytes(9).toString('hex');
  }

  /**
   * Lock this host for the run: the first round trip takes the run lock in its own shell before
   * it probes anything (waiting up to `waitSeconds`), answers, and keeps the lock on its open
   * channel until releaseLock (or until the connection ends). Later round trips pass the gate.
   */
  startLock(runId: string, holder: string, waitSeconds: number): void {
    this.lock = { runId, holder, waitSeconds };
  }

  async releaseLock(): Promise<void> {
    const lock = this.lock;
    if (!lock?.held) return;
    lock.held.endInput();
    // Bounded wait for the remote shell to drop the lock; the timer must not keep the process alive.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([lock.held.done.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    lock.held = undefined;
  }

  async run(script: Omit<RoundTripScript, 'nonce'>, signal?: AbortSignal): Promise<RoundTripResult> {
    const lock = this.lock;
    const first = lock !== undefined && this.roundTrips === 0;
    // The first script takes the run lock itself; all of them hold the work lock for everything they start.
    const gate = lock ? (first ? lockHeadFragment(lock.runId, lock.holder, lock.waitSeconds) : gateFragment(lock.runId)) : undefined;
    const result = await this.runScript(first ? { ...script, holdLock: true } : script, signal, gate);
    if (lock && result.locked !== undefined) {
      const why = first
        ? `Host "${this.hostName}" is locked by another run: ${result.locked}`
        : `Host "${this.hostName}" no longer holds this run's lock (held by: ${result.locked}); nothing more was done there`;
      throw new OperationError(this.hostName, 'lock', why);
    }
    return result;
  }

  private async runScript(script: Omit<RoundTripScript, 'nonce'>, signal?: AbortSignal, gate?: string): Promise<RoundTripResult> {
    const nonce = Remote.newNonce();
    const big = script.staged.filter((f) => f.content.length > SFTP_THRESHOLD_BYTES);
    let stageDir: string | undefined;
    if (big.length) {
      // A locked run's stage names the run: the next locked run removes it if this one died first.
      stageDir = this.lock ? `${STAGE_PREFIX}${this.lock.runId}-stage-${nonce}` : `/tmp/wpha-stage-${nonce}`;
      await this.conn.exec(`mkdir -m 700 ${stageDir}`, '');
      try {
        for (const f of big) await this.conn.upload(`${stageDir}/${f.sha256}`, f.content, 0o600);
      } catch (e) {
        // The script that would remove the stage never runs: remove it now (a full /tmp, a lost link),
        // and say how much room there was (SFTP only says "Failure").
        const df = await this.conn.exec(`rm -rf ${stageDir}; df -Pk /tmp | awk 'NR == 2 { print $4 }'`, '').catch(() => undefined);
        const freeKiB = Number(df?.stdout.toString().trim());
        const neededKiB = Math.ceil(big.reduce((n, f) => n + f.content.length, 0) / 1024);
        const why = df && Number.isFinite(freeKiB) && freeKiB < neededKiB ? `/tmp has ${freeKiB} KiB free, ${neededKiB} KiB are needed` : (e as Error).message;
        throw new OperationError(this.hostName, 'stage', `Cannot upload file contents to apply to host "${this.hostName}": ${why}; nothing was changed`);
      }
    }
    const text = buildScript({ ...script, nonce, staged: script.staged.filter((f) => !big.includes(f)), ...(stageDir ? { stageDir } : {}), ...(gate ? { gate } : {}) });
    for (;;) {
      const usedMode = this.mode;
      const { command, input } = this.invocation(text);
      this.roundTrips++;
      const limit = this.roundTripTimeoutMs;
      const r = await withDeadline(script.holdLock ? this.execHolding(command, input, nonce, signal) : this.conn.exec(command, input, { signal }), limit, () => {
        const why = `Host "${this.hostName}" did not answer within ${formatSeconds(limit)} (round trip timeout, --round-trip-timeout)`;
        this.conn.destroy(why);
        return new ConnectError(this.hostName, 'timeout', `${why}: ${script.applies.length ? 'the step under way may still be running there' : 'nothing was changed there'}`);
      });
      const stderr = r.stderr.toString('utf8');
      if (usedMode === 'sudo-nopass' && r.code === 1 && /a password is required/.test(stderr) && this.sudoPassword) {
        this.mode = 'sudo-pass';
        continue;
      }
      const sudoProblem = this.sudoFailure(usedMode, r.code, stderr);
      if (sudoProblem) throw new OperationError(this.hostName, 'become', sudoProblem);
      const stdout = new TextDecoder('utf-8', { fatal: false }).decode(r.stdout);
      if (script.holdLock) {
        const st = parseLockOutput(stdout);
        if (st.state === 'busy' || st.state === 'working') throw new OperationError(this.hostName, 'lock', lockRefusal(this.hostName, st));
      }
      const parsed = parseRoundTrip(stdout, nonce);
      if (r.code === 97) throw new ConnectError(this.hostName, 'other', `Cannot create a work folder in /tmp on host "${this.hostName}": ${stderr.trim()}`);
      if (r.code === STAGE_FAILED_EXIT && parsed.applies.length === 0) {
        const lines = stderr.trim().split('\n');
        throw new OperationError(this.hostName, 'stage', `Cannot apply on host "${this.hostName}": ${lines.at(-1)}${lines.length > 1 ? ` (${lines[0]})` : ''}`);
      }
      return { ...parsed, exitCode: r.code, stderr, truncated: r.truncated, ...(r.lost ? { lost: `the connection to host "${this.hostName}" was lost during the round trip (${r.lost})` } : {}) };
    }
  }

  /**
   * The first script of a locked run: answered at its DONE line, while its channel stays open
   * (its shell holds the run lock) until releaseLock ends its stdin. A channel that ends first
   * (a refusal, a failure, sudo asking for a password) answers with its exit status as usual.
   */
  private execHolding(command: string, input: string, nonce: string, signal?: AbortSignal): Promise<ExecResult> {
    const answer = new AnswerLine(`@@WPHA_${nonce} DONE\n`);
    let answered: (r: ExecResult) => void = () => {};
    const atDone = new Promise<ExecResult>((resolve) => (answered = resolve));
    const ch = this.conn.execChannel(command, input, {
      keepStdinOpen: true,
      ...(signal ? { signal } : {}),
      onStdout: (d) => {
        const r = answer.push(d);
        if (r) answered(r);
      },
    });
    this.lock!.held = { endInput: ch.endInput, done: ch.done };
    return Promise.race([atDone, ch.done]);
  }

  /** The message for a sudo refusal, or undefined when the exit was something else. */
  private sudoFailure(mode: BecomeMode, code: number, stderr: string): string | undefined {
    if (mode !== 'none' && code === 1 && /a password is required/.test(stderr)) {
      return `sudo on host "${this.hostName}" needs a password for user "${this.user}": set become_password (in the vault) or pass --ask-become-pass`;
    }
    if (mode === 'sudo-pass' && code === 98) return `sudo on host "${this.hostName}" refused the become password for user "${this.user}"`;
    return undefined;
  }

  private invocation(script: string): { command: string; input: string } {
    switch (this.mode) {
      case 'none':
        return { command: 'sh -s', input: script };
      case 'sudo-nopass':
        return { command: 'sudo -n -- sh -s', input: script };
      case 'sudo-pass':
        // The login shell reads exactly the first line (the password; `read` never consumes past
        // the newline on a pipe) and hands only that line to `sudo -v`, so a wrong password can
        // never make sudo read the script as further attempts. `sudo -n` then uses the fresh
        // ticket and `sh -s` reads the rest of stdin: the script.
        return { command: SUDO_WITH_PASSWORD, input: `${this.sudoPassword}\n${script}` };
    }
  }
}
