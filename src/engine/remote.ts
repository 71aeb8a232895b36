/**
 * Runs round-trip scripts on one host over its single SSH connection: as root directly, or
 * through sudo (`sudo -n`; with a password only when sudo asks for one, fed on stdin, never on a
 * command line). Large staged files go over SFTP first.
 */
import { randomBytes } from 'node:crypto';
import { SshConnection } from '../transport/ssh.js';
import { ConnectError, OperationError } from '../errors.js';
import { buildScript, parseRoundTrip, type RoundTripScript, type ParsedRoundTrip } from './script.js';

/** Staged contents above this size travel over SFTP instead of inline base64. */
export const SFTP_THRESHOLD_BYTES = 256 * 1024;

export interface RoundTripResult extends ParsedRoundTrip {
  exitCode: number;
  stderr: string;
  truncated: boolean;
}

type BecomeMode = 'none' | 'sudo-nopass' | 'sudo-pass';

// Both sudo calls are children of the same shell, so the ticket `sudo -v` records (keyed by the
// parent process when there is no terminal) is the one `sudo -n` finds. The password reaches
// sudo through a here-document (a pipe in dash), never through an argument.
const SUDO_WITH_PASSWORD = [
  "sh -c 'IFS= read -r wpha_pw || exit 98",
  'sudo -S -v -p "" 2>/dev/null <<WPHA_PW_EOF || exit 98',
  '$wpha_pw',
  'WPHA_PW_EOF',
  "unset wpha_pw; sudo -n -- sh -s'",
].join('\n');

export class Remote {
  roundTrips = 0;
  private mode: BecomeMode;

  constructor(
    readonly conn: SshConnection,
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

  async run(script: Omit<RoundTripScript, 'nonce'>, signal?: AbortSignal): Promise<RoundTripResult> {
    const nonce = Remote.newNonce();
    const big = script.staged.filter((f) => f.content.length > SFTP_THRESHOLD_BYTES);
    let stageDir: string | undefined;
    if (big.length) {
      stageDir = `/tmp/wpha-stage-${nonce}`;
      await this.conn.exec(`mkdir -m 700 ${stageDir}`, '');
      for (const f of big) await this.conn.upload(`${stageDir}/${f.sha256}`, f.content, 0o600);
    }
    const text = buildScript({ ...script, nonce, staged: script.staged.filter((f) => !big.includes(f)), ...(stageDir ? { stageDir } : {}) });
    for (;;) {
      const { command, input } = this.invocation(text);
      this.roundTrips++;
      const r = await this.conn.exec(command, input, { signal });
      const stderr = r.stderr.toString('utf8');
      if (this.mode === 'sudo-nopass' && r.code === 1 && /a password is required/.test(stderr)) {
        if (!this.sudoPassword) {
          throw new OperationError(this.hostName, 'become', `sudo on host "${this.hostName}" needs a password for user "${this.user}": set become_password (in the vault) or pass --ask-become-pass`);
        }
        this.mode = 'sudo-pass';
        continue;
      }
      if (this.mode === 'sudo-pass' && r.code === 98) {
        throw new OperationError(this.hostName, 'become', `sudo on host "${this.hostName}" refused the become password for user "${this.user}"`);
      }
      const stdout = new TextDecoder('utf-8', { fatal: false }).decode(r.stdout);
      const parsed = parseRoundTrip(stdout, nonce);
      if (r.code === 97) throw new ConnectError(this.hostName, 'other', `Cannot create a work folder in /tmp on host "${this.hostName}": ${stderr.trim()}`);
      return { ...parsed, exitCode: r.code, stderr, truncated: r.truncated };
    }
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
