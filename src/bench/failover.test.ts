import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clientLoopScript, outageLine, outageOf, parseSamples } from './failover.js';

describe('a client loop through a failover', () => {
  it('reads the samples and measures the outage from the last 200 before to the first 200 after', () => {
    const s = parseSamples('noise\n1000 200 web1\n1100 000 \n1200 000 \n1300 200 web2\n1400 200 web1\n');
    expect(s).toEqual([
      { t: 1000, code: 200, by: 'web1' },
      { t: 1100, code: 0, by: '' },
      { t: 1200, code: 0, by: '' },
      { t: 1300, code: 200, by: 'web2' },
      { t: 1400, code: 200, by: 'web1' },
    ]);
    expect(outageOf(s)).toEqual({ failed: 2, outageMs: 300, after: 2, total: 5 });
    expect(outageLine(outageOf(s))).toBe('2 failed requests, 0.3 s (5 requests)');
  });

  it('says when nothing failed, and when nothing came back', () => {
    expect(outageOf(parseSamples('1 200 a\n2 200 b\n'))).toEqual({ failed: 0, outageMs: 0, after: 2, total: 2 });
    expect(outageLine(outageOf(parseSamples('1 200 a\n2 503 \n')))).toBe('1 failed request, no recovery s (2 requests)');
  });

  it('sends the URL and Host header to curl as they are, and stops on its stop file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-loop-'));
    // A stand-in curl records its arguments and answers 200, then the loop's stop file appears.
    writeFileSync(path.join(dir, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/args\nprintf '200 web1'\ntouch '${dir}/stop me'\n`, { mode: 0o755 });
    const url = "http://10.0.0.5/?a=1&b='x' $(id)";
    const out = execFileSync('/bin/sh', ['-s'], { input: clientLoopScript(url, 20, `${dir}/stop me`, 'shop.lab'), env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(parseSamples(out)).toEqual([{ t: expect.any(Number), code: 200, by: 'web1' }]);
    const args = readFileSync(path.join(dir, 'args'), 'utf8').split('\n');
    expect(args).toContain(url);
    expect(args).toContain('Host: shop.lab');
    expect(existsSync(path.join(dir, 'stop me'))).toBe(false);
  });
});
