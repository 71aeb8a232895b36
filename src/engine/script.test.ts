import { describe, it, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildScript, parseRoundTrip } from './script.js';

const NONCE = 'abc123';

/** Runs a built script with /bin/sh in a temp dir (pure shell, nothing outside the temp dir). */
function runSh(script: string): string {
  return execFileSync('/bin/sh', ['-s'], { input: script, encoding: 'utf8' });
}

describe('round-trip scripts', () => {
  it('runs applies in order, reports rc/changed/output, then probes; parses back', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-script-'));
    const out = runSh(
      buildScript({
        nonce: NONCE,
        preludes: ['wpha_hello() { echo "hello $1"; }'],
        staged: [],
        applies: [
          { id: 't0', fragment: `wpha_hello world; echo err >&2; touch ${dir}/a`, notifyFlags: ['wpha_n0'] },
          { id: 't1', fragment: 'echo "@@WPHA_UNCHANGED"; echo "@@WPHA_WARN careful"', notifyFlags: [] },
          { id: 'h0', fragment: `touch ${dir}/handler`, notifyFlags: [], onlyIfFlags: ['wpha_n0'] },
          { id: 'h1', fragment: `touch ${dir}/not-notified`, notifyFlags: [], onlyIfFlags: ['wpha_n9'] },
        ],
        facts: false,
        probes: [
          { id: 'p0', fragment: `test -e ${dir}/a && echo present` },
          { id: 'p1', fragment: 'printf "no newline"; exit 4' },
        ],
      }),
    );
    const r = parseRoundTrip(out, NONCE);
    expect(r.done).toBe(true);
    expect(r.applies.map((a) => [a.id, a.rc, a.changed])).toEqual([
      ['t0', 0, true],
      ['t1', 0, false],
      ['h0', 0, true],
    ]);
    expect(r.applies[0]).toMatchObject({ stdout: 'hello world\n', stderr: 'err\n' });
    expect(r.applies[1]!.warnings).toEqual(['careful']);
    expect(existsSync(path.join(dir, 'handler'))).toBe(true);
    expect(existsSync(path.join(dir, 'not-notified'))).toBe(false);
    expect(r.probes.get('p0')).toEqual({ stdout: 'present', rc: 0 });
    expect(r.probes.get('p1')).toEqual({ stdout: 'no newline', rc: 4 });
  });

  it('stops at the first failing apply: set -e inside fragments really applies', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-script-'));
    const out = runSh(
      buildScript({
        nonce: NONCE,
        preludes: [],
        staged: [],
        applies: [
          { id: 't0', fragment: `false\ntouch ${dir}/after-false`, notifyFlags: [] },
          { id: 't1', fragment: `touch ${dir}/second`, notifyFlags: [] },
        ],
        facts: false,
        probes: [{ id: 'p0', fragment: 'echo never' }],
      }),
    );
    const r = parseRoundTrip(out, NONCE);
    expect(r.applies.map((a) => [a.id, a.rc])).toEqual([['t0', 1]]);
    expect(existsSync(path.join(dir, 'after-false'))).toBe(false);
    expect(existsSync(path.join(dir, 'second'))).toBe(false);
    expect(r.probes.size).toBe(0);
    expect(r.done).toBe(false);
  });

  it('stages file contents (any bytes) without putting them on a command line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-script-'));
    const content = Buffer.from([0, 1, 2, 255, 10, 39, 36, 96]);
    const sha = '6c5b7d2d3dd5a3cc89f12e2e3c0b0b1e8c1f4d5a6b7c8d9e0f1a2b3c4d5e6f70';
    const script = buildScript({
      nonce: NONCE,
      preludes: [],
      staged: [{ sha256: sha, content }],
      applies: [{ id: 't0', fragment: `cp "$WPHA_STAGE/${sha}" ${dir}/out`, notifyFlags: [] }],
      facts: false,
      probes: [],
    });
    runSh(script);
    expect(readFileSync(path.join(dir, 'out'))).toEqual(content);
    expect(() => buildScript({ nonce: NONCE, preludes: [], staged: [{ sha256: '../x', content }], applies: [], facts: false, probes: [] })).toThrow(/sha256/);
  });

  it('ignores output that only looks like markers (other nonce) and a forged line in a probe', () => {
    const out = runSh(
      buildScript({ nonce: NONCE, preludes: [], staged: [], applies: [], facts: false, probes: [{ id: 'p0', fragment: "echo '@@WPHA_other DONE'; echo '@@WPHA_other PROBE_END p0 0'; echo real" }] }),
    );
    const r = parseRoundTrip(out, NONCE);
    expect(r.probes.get('p0')!.stdout).toBe('@@WPHA_other DONE\n@@WPHA_other PROBE_END p0 0\nreal');
  });

  it('gives fragments /dev/null as stdin, so nothing can swallow the rest of the script', () => {
    const out = runSh(
      buildScript({ nonce: NONCE, preludes: [], staged: [], applies: [{ id: 't0', fragment: 'cat', notifyFlags: [] }], facts: false, probes: [{ id: 'p0', fragment: 'cat; echo after' }] }),
    );
    const r = parseRoundTrip(out, NONCE);
    expect(r.done).toBe(true);
    expect(r.probes.get('p0')!.stdout).toBe('after');
  });

  // The controller died (its end of stdout is closed): the step under way runs to its end, what
  // it must leave on the host (its pending handlers) is recorded, then the script stops and
  // removes its work folder. Both with SIGPIPE caught and with SIGPIPE ignored (a write error).
  for (const how of ['SIGPIPE', 'a write error'] as const) {
    it(`stops after the step under way when the controller is gone (${how}), its pending handlers recorded`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'wpha-script-'));
      const tmp = mkdtempSync(path.join(tmpdir(), 'wpha-script-tmp-'));
      const script = buildScript({
        nonce: NONCE,
        preludes: [],
        staged: [],
        applies: [
          { id: 't0', fragment: `sleep 0.3; touch ${dir}/first`, notifyFlags: [], pendingHandlers: ['demo/restart'] },
          { id: 't1', fragment: `touch ${dir}/second`, notifyFlags: [] },
        ],
        facts: false,
        probes: [],
        pendingFile: `${dir}/state/pending`,
      });
      const argv = how === 'SIGPIPE' ? ['-s'] : ['-c', 'trap "" PIPE; exec /bin/sh -s'];
      const child = spawn('/bin/sh', argv, { env: { ...process.env, TMPDIR: tmp }, stdio: ['pipe', 'pipe', 'ignore'] });
      child.stdout.destroy();
      // The shell reads the whole script before it runs it; a late EPIPE here would say otherwise.
      const stdinError = new Promise<Error | undefined>((r) => child.stdin.on('error', r).on('finish', () => r(undefined)));
      child.stdin.end(script.replaceAll('/tmp/wpha.', `${tmp}/wpha.`));
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      expect(await stdinError).toBeUndefined();
      expect(code).toBe(how === 'SIGPIPE' ? 143 : 141);
      expect(existsSync(path.join(dir, 'first'))).toBe(true);
      expect(readFileSync(path.join(dir, 'state/pending'), 'utf8')).toBe('demo/restart\n');
      expect(existsSync(path.join(dir, 'second'))).toBe(false);
      expect(readdirSync(tmp)).toEqual([]);
    });
  }

  it('runs the gate before it makes its work folder', () => {
    const text = buildScript({ nonce: NONCE, preludes: [], staged: [], applies: [], facts: false, probes: [], gate: 'echo gate-here' });
    expect(text.indexOf('echo gate-here')).toBeGreaterThan(0);
    expect(text.indexOf('echo gate-here')).toBeLessThan(text.indexOf('mktemp'));
  });

  it('reports a script that gave up waiting for the host lock', () => {
    const r = parseRoundTrip(`noise\n@@WPHA_${NONCE} LOCKED run1 alice@laptop pid 4 since t\n`, NONCE);
    expect(r.locked).toBe('alice@laptop pid 4 since t');
  });
});
