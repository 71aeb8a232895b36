/**
 * How the engine reaches a host, whatever carries it (as pyinfra's connectors): run a command with
 * input on its stdin, keep a channel open (the host lock), put a file. SshConnection (ssh.ts) and
 * LocalConnection (local.ts, `connection: local`) implement it; Remote runs every round trip
 * through it, so a local host keeps the single-round-trip design.
 */
export interface ExecResult {
  code: number;
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
  /** Output beyond the cap was dropped. */
  truncated: boolean;
  /** Set when the command ended without an exit status: the connection (or the host's sshd) went away. */
  lost?: string;
}

/** Cap on captured output per exec: a runaway command cannot exhaust the controller's memory. */
export const OUTPUT_CAP_BYTES = 32 * 1024 * 1024;

export interface ExecChannelOptions {
  signal?: AbortSignal;
  /** Keep stdin open after `input` until `endInput()` (a remote `cat` then holds the command alive). */
  keepStdinOpen?: boolean;
  onStdout?: (chunk: Buffer) => void;
}

export interface Connector {
  readonly target: { name: string };
  /** Why the connection is gone, or undefined while it is up. */
  readonly lostReason: string | undefined;
  exec(command: string, input: string | Buffer, opts?: { signal?: AbortSignal }): Promise<ExecResult>;
  execChannel(command: string, input: string | Buffer, opts?: ExecChannelOptions): { done: Promise<ExecResult>; endInput: () => void };
  /** Write a file (large staged contents). */
  upload(path: string, content: Buffer, mode?: number): Promise<void>;
  close(): void;
  /** Drop the connection at once (a host that stopped answering): what runs there is ended. */
  destroy(reason: string): void;
}
