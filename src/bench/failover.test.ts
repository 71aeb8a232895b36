import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aroundFirstFailure, clientLoopScript, failedRequests, outageLine, outageOf, parseSamples, wasReset } from './failover.js';

describe('a client loop through a failover', () => {
  it('reads the samples and measures the outage from the last 200 before to the first 200 after', () => {
    const s = parseSamples('noise\n1000 200 0 web1\n1100 000 28 \n1200 000 7 \n1300 200 0 web2\n1400 200 0 web1\n');
    expect(s).toEqual([
      { t: 1000, code: 200, exit: 0, by: 'web1' },
      { t: 1100, code: 0, exit: 28, by: '' },
      { t: 1200, code: 0, exit: 7, by: '' },
      { t: 1300, code: 200, exit: 0, by: 'web2' },
      { t: 1400, code: 200, exit: 0, by: 'web1' },
    ]);
    expect(outageOf(s)).toEqual({ failed: 2, outageMs: 300, after: 2, total: 5 });
    expect(outageLine(outageOf(s))).toBe('2 failed requests, 0.3 s (5 requests)');
  });

  it('says when nothing failed, and when nothing came back', () => {
    expect(outageOf(parseSamples('1 200 0 a\n2 200 0 b\n'))).toEqual({ failed: 0, outageMs: 0, after: 2, total: 2 });
    expect(outageLine(outageOf(parseSamples('1 200 0 a\n2 503 0 \n')))).toBe('1 failed request, no recovery s (2 requests)');
  });

  it('tells a connection reset by the peer from a timeout, a refusal and an error page', () => {
    const s = parseSamples('1000 200 0 web1\n1100 000 56 \n1200 000 55 \n1300 000 28 \n1400 000 7 \n1500 503 0 \n');
    expect(s.map(wasReset)).toEqual([false, true, true, false, false, false]);
    expect(failedRequests(s)).toEqual(['000 (curl 56: reset) at +100 ms', '000 (curl 55: reset) at +200 ms', '000 (curl 28) at +300 ms', '000 (curl 7) at +400 ms', '503 (curl 0) at +500 ms']);
    expect(failedRequests(parseSamples('5 502 0 front2\n'))).toEqual(['502 (curl 0) by front2 at +0 ms']);
  });

  it('sends the URL and Host header to curl as they are, and stops on its stop file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-loop-'));
    // A stand-in curl records its arguments and answers 200, then the loop's stop file appears.
    writeFileSync(path.join(dir, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/args\nprintf '200 0 web1'\ntouch '${dir}/stop me'\n`, { mode: 0o755 });
    const url = "http://10.0.0.5/?a=1&b='x' $(id)";
    const out = execFileSync('/bin/sh', ['-s'], { input: clientLoopScript(url, 20, `${dir}/stop me`, 'shop.lab'), env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(parseSamples(out)).toEqual([{ t: expect.any(Number), code: 200, exit: 0, by: 'web1' }]);
    const args = readFileSync(path.join(dir, 'args'), 'utf8').split('\n');
    expect(args).toContain(url);
    expect(args).toContain('Host: shop.lab');
    expect(args).toContain('%{http_code} %{exitcode} %header{x-served-by}');
    expect(existsSync(path.join(dir, 'stop me'))).toBe(false);
  });
});

describe('aroundFirstFailure', () => {
  it('lists the requests within the window of the first failure, times from the given zero', () => {
    const s = parseSamples(['1000 200 0 web1', '2000 200 0 web1', '3000 000 28', '3400 200 0 web2', '6000 000 7', ''].join('\n'));
    expect(aroundFirstFailure(s, 1000, 1000)).toBe('1000 ms: 200 exit 0 by web1\n2000 ms: 0 exit 28 by -\n2400 ms: 200 exit 0 by web2');
    expect(
      aroundFirstFailure(
        s.filter((x) => x.code === 200),
        0,
      ),
    ).toBe('');
  });
});
