import { describe, it, expect, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeHolders, gateFragment, lockHeadFragment, lockRefusal, parseLockOutput } from './host-lock.js';

describe('host lock answers', () => {
  it('reads a busy lock and one still pending', () => {
    expect(parseLockOutput('@@WPHA_LOCK_BUSY r1 alice@laptop pid 4 since t\n')).toEqual({ state: 'busy', holder: 'alice@laptop pid 4 since t' });
    expect(parseLockOutput('@@WPHA_LOCK_PROC 812 apt-get install jq\n')).toEqual({ state: 'pending' });
  });

  it('names the work an earlier run left, once its answer is complete', () => {
    const out = [
      '@@WPHA_LOCK_PROC 700 sh -s',
      '@@WPHA_LOCK_PROC 731 tail -c 1048577',
      '@@WPHA_LOCK_PROC 812 apt-get -y -q install jq',
      '@@WPHA_LOCK_PROC 815 apt-get -y -q install jq',
      '@@WPHA_LOCK_WORK r1 bob@ci pid 9 since t',
      '',
    ].join('\n');
    const st = parseLockOutput(out);
    expect(st).toEqual({ state: 'working', run: 'bob@ci pid 9 since t', processes: 'apt-get -y -q install jq (pids 812, 815)' });
    expect(lockRefusal('web2', st as Extract<typeof st, { state: 'working' }>)).toBe(
      'Host "web2" still runs work an earlier run left (bob@ci pid 9 since t): apt-get -y -q install jq (pids 812, 815). Try again when it ends, or pass --lock-timeout SECONDS to wait',
    );
  });

  it('keeps the head and the tail of a long command line, and at most four of them', () => {
    const long = `apt-get -y -q -o DPkg::Lock::Timeout=120 ${'-o Dpkg::Options::=--force-confdef '.repeat(4)}--no-install-recommends install jq`;
    const d = describeHolders([{ pid: 1, cmd: long }]);
    expect(d).toMatch(/^apt-get -y -q .* \.\.\. .*--no-install-recommends install jq \(pid 1\)$/);
    expect(d.length).toBeLessThan(150);
    expect(describeHolders([2, 3, 4, 5, 6].map((pid) => ({ pid, cmd: `sleep ${pid}` })))).toBe('sleep 2 (pid 2); sleep 3 (pid 3); sleep 4 (pid 4); sleep 5 (pid 5) and 1 more');
    expect(describeHolders([{ pid: 7, cmd: 'sh -s' }])).toBe('its script (pid 7)');
    expect(
      describeHolders([
        { pid: 8, cmd: `/bin/sh /tmp/wpha.odDMtPMO/stage/${'d'.repeat(64)}` },
        { pid: 9, cmd: 'sleep 600' },
      ]),
    ).toBe('a shell step (pid 8); sleep 600 (pid 9)');
  });

  it('sends scripts the shell can parse, whatever the holder line holds', () => {
    for (const text of [lockHeadFragment('r1', "bob's laptop $(x) `y`", 0), lockHeadFragment('r1', 'ci', 30), gateFragment('r1')]) {
      expect(() => execFileSync('/bin/sh', ['-n'], { input: text })).not.toThrow();
    }
  });

  describe('in a real sh, on lock files in a temp folder', () => {
    // The fragments with /run/wpha.* moved into a temp folder; flock(1) and sh as on a host.
    const run = (dir: string, text: string) => spawnSync('/bin/sh', ['-c', `WPHA_NONCE=n1\n${text.replaceAll('/run/wpha.', `${dir}/wpha.`)}\necho through`], { encoding: 'utf8' });

    it('takes a free lock and names the run; a later gate finds it; another holder makes it busy', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'wpha-lock-'));
      try {
        const first = run(dir, lockHeadFragment('r1', 'alice@laptop pid 4', 0));
        expect(first.stdout).toBe('through\n');
        expect(readFileSync(path.join(dir, 'wpha.lock.info'), 'utf8')).toBe('r1 alice@laptop pid 4\n');
        expect(run(dir, gateFragment('r1')).stdout).toBe('through\n');
        expect(run(dir, gateFragment('r2')).stdout).toBe('@@WPHA_n1 LOCKED r1 alice@laptop pid 4\n');
        // Another process holds the run lock: refused at once, naming it.
        // In a process group of its own: ended (flock and its sleep) by that group's id.
        const holder = spawn('flock', [path.join(dir, 'wpha.lock'), 'sleep', '30'], { stdio: 'ignore', detached: true });
        try {
          // Until flock holds it (a loaded machine may take more than a moment to start it).
          await vi.waitFor(() => expect(spawnSync('flock', ['-n', path.join(dir, 'wpha.lock'), 'true']).status).toBe(1), { timeout: 10_000, interval: 50 });
          const busy = run(dir, lockHeadFragment('r2', 'bob', 0));
          expect(busy.status).toBe(96);
          expect(parseLockOutput(busy.stdout)).toEqual({ state: 'busy', holder: 'alice@laptop pid 4' });
        } finally {
          process.kill(-holder.pid!, 'SIGTERM');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
