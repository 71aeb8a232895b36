/** LocalConnection runs real /bin/sh children: what Remote needs of a connection, without SSH. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalConnection } from './local.js';

const conns: LocalConnection[] = [];
const open = () => {
  const c = new LocalConnection({ name: 'builder' });
  conns.push(c);
  return c;
};
afterEach(() => conns.splice(0).forEach((c) => c.close()));

describe('LocalConnection', () => {
  it('runs a command with the input on its stdin, as `sh -s` over SSH would', async () => {
    const r = await open().exec('sh -s', 'echo out; echo err >&2; exit 3');
    expect({ code: r.code, stdout: r.stdout.toString(), stderr: r.stderr.toString(), truncated: r.truncated }).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n', truncated: false });
  });

  it('keeps stdin open until endInput (the host lock holds its channel this way)', async () => {
    const seen: string[] = [];
    const ch = open().execChannel('echo ready; cat; echo done', 'a\n', { keepStdinOpen: true, onStdout: (d) => seen.push(d.toString()) });
    await vi.waitFor(() => expect(seen.join('')).toContain('ready\na\n'), { timeout: 10_000, interval: 20 });
    expect(seen.join('')).not.toContain('done');
    ch.endInput();
    expect((await ch.done).stdout.toString()).toBe('ready\na\ndone\n');
  });

  it('an abort ends the script and what it started (its process group)', async () => {
    const ac = new AbortController();
    const p = open().exec('sleep 30 & wait', '', { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const r = await p;
    expect(r.signal ?? String(r.code)).toMatch(/SIGTERM|143/);
  });

  it('destroy ends what runs and refuses further commands, naming the host', async () => {
    const c = open();
    const p = c.exec('sleep 30', '');
    setTimeout(() => c.destroy('did not answer'), 100);
    expect((await p).signal).toBe('SIGKILL');
    expect(c.lostReason).toBe('did not answer');
    await expect(c.exec('true', '')).rejects.toThrow('The local connection of host "builder" is closed');
  });

  it('upload writes a new file with the given mode, and never over an existing one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-local-'));
    try {
      const f = path.join(dir, 'staged');
      await open().upload(f, Buffer.from('content'), 0o600);
      expect(readFileSync(f, 'utf8')).toBe('content');
      expect(statSync(f).mode & 0o777).toBe(0o600);
      await expect(open().upload(f, Buffer.from('other'))).rejects.toThrow(`Cannot write "${f}" for host "builder"`);
      expect(readFileSync(f, 'utf8')).toBe('content');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
