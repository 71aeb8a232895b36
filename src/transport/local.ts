/**
 * `connection: local`: the host is the machine wpha runs on. Commands run through the local
 * `/bin/sh -c` with the script on stdin, exactly the text an SSH session would receive, so the
 * engine's scripts, become (sudo when not root), locks and single round trip are unchanged.
 */
import { spawn } from 'node:child_process';
import { writeFile, chmod } from 'node:fs/promises';
import { ConnectError } from '../errors.js';
import { OUTPUT_CAP_BYTES, type Connector, type ExecChannelOptions, type ExecResult } from './connector.js';

export class LocalConnection implements Connector {
  private closed?: string;
  private readonly running = new Set<ReturnType<typeof spawn>>();

  constructor(readonly target: { name: string }) {}

  get lostReason(): string | undefined {
    return this.closed;
  }

  exec(command: string, input: string | Buffer, opts: { signal?: AbortSignal } = {}): Promise<ExecResult> {
    return this.execChannel(command, input, opts).done;
  }

  execChannel(command: string, input: string | Buffer, opts: ExecChannelOptions = {}): { done: Promise<ExecResult>; endInput: () => void } {
    if (this.closed) return { done: Promise.reject(new ConnectError(this.target.name, 'closed', `The local connection of host "${this.target.name}" is closed`)), endInput: () => {} };
    // Its own process group, so that an interrupt ends the script and what it started.
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const take = (list: Buffer[]) => (d: Buffer) => {
      if (size + d.length > OUTPUT_CAP_BYTES) return void (truncated = true);
      size += d.length;
      list.push(d);
    };
    child.stdout.on('data', take(out));
    if (opts.onStdout) child.stdout.on('data', opts.onStdout);
    child.stderr.on('data', take(err));
    // A script that exits before reading all its input must not crash the controller.
    child.stdin.on('error', () => {});
    const onAbort = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = new Promise<ExecResult>((resolve, reject) => {
      child.on('error', (e) => reject(new ConnectError(this.target.name, 'other', `Cannot run /bin/sh on this machine for host "${this.target.name}": ${e.message}`)));
      child.on('close', (code, signal) => {
        this.running.delete(child);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve({ code: code ?? -1, ...(signal ? { signal } : {}), stdout: Buffer.concat(out), stderr: Buffer.concat(err), truncated });
      });
    });
    if (opts.keepStdinOpen) child.stdin.write(input);
    else child.stdin.end(input);
    return { done, endInput: () => child.stdin.end() };
  }

  async upload(path: string, content: Buffer, mode = 0o600): Promise<void> {
    try {
      await writeFile(path, content, { mode, flag: 'wx' });
      await chmod(path, mode);
    } catch (e) {
      throw new ConnectError(this.target.name, 'other', `Cannot write "${path}" for host "${this.target.name}": ${(e as Error).message}`);
    }
  }

  close(): void {
    this.closed ??= 'closed by wpha';
    for (const c of this.running) c.stdin?.end();
  }

  /** Ends every script under way (their process groups): the local twin of dropping an SSH connection. */
  destroy(reason: string): void {
    this.closed ??= reason;
    for (const c of this.running) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
