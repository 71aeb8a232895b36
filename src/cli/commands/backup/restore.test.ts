import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { restoreScript } from './restore.js';

describe('restoreScript', () => {
  it('quotes every argument and calls wpha-backup without a key file when there is no identity', () => {
    expect(restoreScript(['--from', "db'1", '20261204T060000Z'], [])).toBe("wpha-backup restore --from 'db'\\''1' 20261204T060000Z");
  });

  it('puts the identities in a 0600 file for the restore only, never on a command line', () => {
    const key = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';
    const script = restoreScript(['20261204T060000Z'], [`${key}\n`]);
    expect(script.split('\n').filter((l) => l.includes(key))).toEqual([key]);
    expect(script).toContain('umask 077');
    expect(script).toContain('wpha-backup restore 20261204T060000Z --identity "$wpha_id"');
    // Run with a stand-in wpha-backup that shows what it got: the file holds the key, mode 600, and is gone after.
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-restore-script-'));
    writeFileSync(path.join(dir, 'wpha-backup'), `#!/bin/sh\nstat -c %a "$4"; cat "$4"; echo "$4" > ${dir}/path\n`, { mode: 0o755 });
    const out = execFileSync('sh', ['-c', script.replace('/run/', `${dir}/`)], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } }).toString();
    expect(out).toBe(`600\n${key}\n`);
    expect(existsSync(readFileSync(path.join(dir, 'path'), 'utf8').trim())).toBe(false);
    rmSync(dir, { recursive: true });
  });
});
