import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { recapTable } from './format.js';
import { buildScript, parseRoundTrip, timingsOf } from '../engine/script.js';
import { TIME_START, timeEnd } from '../ops/types.js';
import { emptyRecap } from '../engine/events.js';

describe('time on the host: apt/dpkg and services apart from the rest', () => {
  it('a timed fragment reports its milliseconds, and they stay out of the step output', () => {
    const script = buildScript({
      nonce: 'feed01',
      preludes: [],
      staged: [],
      facts: false,
      probes: [],
      applies: [{ id: 't0', fragment: `${TIME_START}\nsleep 0.2; echo installed\n${timeEnd('apt')}`, notifyFlags: [] }],
    });
    const r = parseRoundTrip(execFileSync('/bin/sh', ['-s'], { input: script, encoding: 'utf8' }), 'feed01');
    expect(r.applies[0]!.stdout).toBe('installed\n');
    expect(r.applies[0]!.timings.apt).toBeGreaterThanOrEqual(150);
    expect(timingsOf('@@WPHA_TIME apt 12\nx\n@@WPHA_TIME apt 30\n@@WPHA_TIME service 7\n')).toEqual({ apt: 42, service: 7 });
  });

  it('the recap shows apt/dpkg, services and the rest per host only when a run had them', () => {
    const plain = recapTable({ web1: emptyRecap() }, 1000);
    expect(plain).not.toContain('apt/dpkg');
    const table = recapTable({ web1: { ...emptyRecap(), changed: 20, aptMs: 41_200, serviceMs: 3_100, ms: 52_600 }, web2: { ...emptyRecap(), ms: 900 } }, 53_000, { web1: 7, web2: 1 });
    const [, head, web1, web2] = table.split('\n');
    expect(head).toMatch(/round trips  apt\/dpkg  services      rest$/);
    expect(web1).toMatch(/7    41\.2 s     3\.1 s     8\.3 s$/);
    expect(web2).toMatch(/1     0\.0 s     0\.0 s     0\.9 s$/);
  });
});
