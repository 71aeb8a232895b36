/**
 * One ssh2 connection per host for the whole run. Host keys are checked strictly against the
 * project's known_hosts; scripts travel on the channel's stdin to `sh -s` (or through sudo), so
 * nothing long or secret is ever on a command line.
 */
import type { Client as SshClient, ConnectConfig, ClientChannel } from 'ssh2';
// ssh2's client module alone: the package's index also loads its server, key generation and
// HTTP agents (Node's http, https and tls with them), none of which a run uses (~5 ms of start-up).
import Client from 'ssh2/lib/client.js';
import { readFileSync } from 'node:fs';
import { ConnectError, UserError } from '../errors.js';
import { type KnownHosts, hostLookupName, fingerprint } from './known-hosts.js';
import { OUTPUT_CAP_BYTES, type Connector, type ExecResult } from './connector.js';

export interface Target {
  /** Inventory name, for messages. */
  name: string;
  address: string;
  port: number;
  user: string;
}

export interface ConnectOptions {
  knownHosts: KnownHosts;
  /** Trust-on-first-use: record keys of hosts not yet in known_hosts (never replaces a different key). */
  acceptNewHostKeys: boolean;
  keyFile?: string;
  agent?: string;
  connectTimeoutMs: number;
  /** Bastion to go through (`user@host[:port]`). */
  proxyJump?: Target;
}

export type { ExecResult } from './connector.js';

const ED25519_FIRST = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] as const;

export class SshConnection implements Connector {
  /** Set once the connection ended (the host or the network closed it, or close() was called). */
  private lost?: string;

  private constructor(
    readonly target: Target,
    private readonly client: SshClient,
    private readonly jump?: SshClient,
  ) {
    // Without a listener an 'error' after connecting (ECONNRESET...) would crash the process.
    client.on('error', (e: Error) => (this.lost ??= e.message));
    client.on('close', () => (this.lost ??= 'closed by the host or the network'));
  }

  /** Why the connection is gone, or undefined while it is up. */
  get lostReason(): string | undefined {
    return this.lost;
  }

  static async open(target: Target, opts: ConnectOptions): Promise<SshConnection> {
    let jumpClient: SshClient | undefined;
    let sock: NodeJS.ReadableStream | undefined;
    if (opts.proxyJump) {
      jumpClient = await connectClient(opts.proxyJump, opts, undefined);
      sock = await new Promise((resolve, reject) =>
        jumpClient!.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) =>
          err
            ? reject(new ConnectError(target.name, 'refused', `Cannot reach host "${target.name}" (${target.address}:${target.port}) through bastion "${opts.proxyJump!.address}": ${err.message}`))
            : resolve(stream),
        ),
      );
    }
    try {
      const client = await connectClient(target, opts, sock);
      return new SshConnection(target, client, jumpClient);
    } catch (e) {
      jumpClient?.end();
      throw e;
    }
  }

  /** Run `command` with `input` on stdin; resolves when the channel closes. */
  exec(command: string, input: string | Buffer, opts: { signal?: AbortSignal } = {}): Promise<ExecResult> {
    return this.execChannel(command, input, opts).done;
  }

  /**
   * Like exec, but with `keepStdinOpen` the channel's stdin stays open after `input` until
   * `endInput()` (a remote `cat` then holds the command alive for the run: used for host locks).
   * `onStdout` sees output as it arrives.
   */
  execChannel(
    command: string,
    input: string | Buffer,
    opts: { signal?: AbortSignal; keepStdinOpen?: boolean; onStdout?: (chunk: Buffer) => void } = {},
  ): { done: Promise<ExecResult>; endInput: () => void } {
    let channel: ClientChannel | undefined;
    let ended = false;
    const endInput = () => {
      ended = true;
      channel?.end();
    };
    const done = new Promise<ExecResult>((resolve, reject) => {
      if (this.lost) return reject(new ConnectError(this.target.name, 'closed', `The connection to host "${this.target.name}" was lost (${this.lost})`));
      const onChannel = (err: Error | undefined, ch: ClientChannel) => {
        if (err) return reject(new ConnectError(this.target.name, 'closed', `Cannot run a command on host "${this.target.name}": ${err.message}`));
        channel = ch;
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const take = (list: Buffer[]) => (d: Buffer) => {
          if (size + d.length > OUTPUT_CAP_BYTES) {
            truncated = true;
            return;
          }
          size += d.length;
          list.push(d);
        };
        ch.on('data', take(out));
        if (opts.onStdout) ch.on('data', opts.onStdout);
        ch.stderr.on('data', take(errOut));
        let code = -1;
        let signal: string | undefined;
        ch.on('exit', (c: number | null, s?: string) => {
          code = c ?? -1;
          signal = s ?? undefined;
        });
        const onAbort = () => ch.close();
        ch.on('close', () => {
          opts.signal?.removeEventListener('abort', onAbort);
          // No exit status and no signal: the host's sshd or the network went away mid-command.
          const lost = code === -1 && signal === undefined && !opts.signal?.aborted ? (this.lost ?? 'the channel closed without an exit status') : undefined;
          resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut), truncated, ...(lost ? { lost } : {}) });
        });
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        if (opts.keepStdinOpen && !ended) ch.write(input);
        else ch.end(input);
      };
      try {
        this.client.exec(command, onChannel);
      } catch (e) {
        // ssh2 throws "Not connected" synchronously once the socket is gone.
        reject(new ConnectError(this.target.name, 'closed', `The connection to host "${this.target.name}" was lost (${(e as Error).message})`));
      }
    });
    return { done, endInput };
  }

  /** Write a file over SFTP (used for large staged contents). */
  upload(remotePath: string, content: Buffer, mode = 0o600): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(new ConnectError(this.target.name, 'closed', `The connection to host "${this.target.name}" was lost (${this.lost})`));
      this.client.sftp((err, sftp) => {
        if (err) return reject(new ConnectError(this.target.name, 'other', `Cannot open SFTP on host "${this.target.name}": ${err.message}`));
        sftp.writeFile(remotePath, content, { mode }, (e) => {
          sftp.end();
          e ? reject(new ConnectError(this.target.name, 'other', `Cannot upload "${remotePath}" to host "${this.target.name}": ${e.message}`)) : resolve();
        });
      });
    });
  }

  close(): void {
    this.lost ??= 'closed by wpha';
    this.client.end();
    this.jump?.end();
  }

  /** Drops the connection at once, without a goodbye a host that stopped answering would never return. */
  destroy(reason: string): void {
    this.lost ??= reason;
    this.client.destroy();
    this.jump?.destroy();
  }
}

function connectClient(target: Target, opts: ConnectOptions, sock: NodeJS.ReadableStream | undefined): Promise<SshClient> {
  const names = [hostLookupName(target.address, target.port), ...(target.name !== target.address ? [hostLookupName(target.name, target.port)] : [])];
  const known = opts.knownHosts.keyTypesFor(names);
  const preferred = [...known, ...ED25519_FIRST.filter((a) => !known.includes(a))];
  let keyProblem: ConnectError | undefined;
  const config: ConnectConfig = {
    host: target.address,
    port: target.port,
    username: target.user,
    readyTimeout: opts.connectTimeoutMs,
    keepaliveInterval: 15_000,
    algorithms: { serverHostKey: preferred as never },
    hostVerifier: (key: Buffer) => {
      const v = opts.knownHosts.verify(names, key);
      if (v.status === 'match') return true;
      if (v.status === 'unknown' && opts.acceptNewHostKeys) {
        opts.knownHosts.add(names[0]!, key);
        return true;
      }
      keyProblem =
        v.status === 'mismatch'
          ? new ConnectError(
              target.name,
              'host-key-mismatch',
              `Host key of "${target.name}" (${target.address}:${target.port}) does not match known_hosts: presented ${v.presented}, expected ${v.expected.join(' or ')} (${v.file} line ${v.lines.join(', ')}). Nothing was run there. If the host was rebuilt, check the new key out of band and run \`wpha hostkeys rotate ${target.name} --fingerprint <new fingerprint>\`.`,
            )
          : v.status === 'revoked'
            ? new ConnectError(target.name, 'host-key-mismatch', `Host key of "${target.name}" (${target.address}) is revoked in ${opts.knownHosts.file}: ${v.presented}`)
            : new ConnectError(
                target.name,
                'host-key-unknown',
                `Host key of "${target.name}" (${target.address}:${target.port}) is not in ${opts.knownHosts.file} (presented ${fingerprint(key)}): check it, then pin it with \`wpha hostkeys scan --pin\` or \`wpha hostkeys pin\`, or pass --accept-new-host-keys`,
              );
      return false;
    },
  };
  if (sock) config.sock = sock as never;
  if (opts.keyFile) {
    try {
      config.privateKey = readFileSync(opts.keyFile);
    } catch (e) {
      throw new UserError(`Cannot read the SSH key "${opts.keyFile}" for host "${target.name}": ${(e as Error).message}`);
    }
  }
  if (opts.agent) config.agent = opts.agent;
  // Straight to the methods wpha has: ssh2 otherwise asks with "none" first, one more round trip
  // of every connection only to learn what the server offers.
  const methods = [...(config.privateKey ? ['publickey'] : []), ...(config.agent ? ['agent'] : [])];
  if (methods.length) config.authHandler = methods as never;
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    // `on`, not `once`: after a timeout ssh2 can emit a second error (the connection lost before
    // the handshake), and an 'error' without a listener would end the whole run.
    let failed = false;
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (failed) return;
      failed = true;
      client.end();
      if (keyProblem) return reject(keyProblem);
      const msg = err.message;
      const kind =
        err.level === 'client-authentication'
          ? 'auth'
          : /timed out/i.test(msg)
            ? 'timeout'
            : err.code === 'ECONNREFUSED'
              ? 'refused'
              : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
                ? 'dns'
                : 'other';
      const what = kind === 'auth' ? `authentication as "${target.user}" failed (${msg})` : msg;
      reject(new ConnectError(target.name, kind, `Cannot connect to host "${target.name}" (${target.address}:${target.port}): ${what}`));
    });
    client.connect(config);
    // No Nagle: the handshake and every round trip are small messages each waiting for the
    // other side's answer; with Nagle on, one of them waited out the host's delayed ACK (~40 ms).
    client.setNoDelay(true);
  });
}
