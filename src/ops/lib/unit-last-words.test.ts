/** unitLastWords run by /bin/sh with a stand-in journalctl whose journal fills in late. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unitLastWords } from './systemd.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wpha-lastwords-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A journalctl that answers "Mounting..." only for its first `late` reads, then the whole story; it logs each call. */
function fakeJournal(late: number): string {
  const bin = mkdtempSync(path.join(dir, 'bin-'));
  writeFileSync(
    path.join(bin, 'journalctl'),
    `#!/bin/sh
echo "$*" >> ${bin}/calls
case "$*" in *--sync*) exit 0 ;; esac
n=$(grep -vc -- --sync ${bin}/calls)
echo 'Mounting srv-x.mount - uploads...'
if [ "$n" -gt ${late} ]; then echo 'mount.nfs: No such device'; echo 'srv-x.mount: Failed with result exit-code.'; echo 'Failed to mount srv-x.mount - uploads.'; fi
`,
    { mode: 0o755 },
  );
  return bin;
}

const run = (bin: string) => execFileSync('/bin/sh', ['-c', `{ ${unitLastWords("'srv-x.mount'", 4)}; } 2>&1`], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });

describe('unitLastWords', () => {
  it("waits until the journal has the failure, then prints the last lines with the program's own message", () => {
    const bin = fakeJournal(3);
    const out = run(bin);
    expect(out).toContain('mount.nfs: No such device');
    expect(out).toContain('Failed to mount srv-x.mount');
    const calls = readFileSync(path.join(bin, 'calls'), 'utf8').trim().split('\n');
    expect(calls.filter((c) => c === '--sync')).toHaveLength(2);
    expect(calls.filter((c) => c !== '--sync').length).toBeGreaterThan(3);
    expect(calls).toContain('-q -u srv-x.mount -n 4 --no-pager -o cat');
  });

  it('gives up after 20 looks (2 s) and prints what there is', () => {
    const bin = fakeJournal(1000);
    expect(run(bin)).toBe('Mounting srv-x.mount - uploads...\n');
    const reads = readFileSync(path.join(bin, 'calls'), 'utf8')
      .trim()
      .split('\n')
      .filter((c) => c !== '--sync');
    expect(reads).toHaveLength(21); // 20 looks, then the lines printed
  });
});
