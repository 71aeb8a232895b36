import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { FD_RESERVE, fdsNeeded, fitForks, forksWithin, parseFdLimit } from './fd-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('open-files limit', () => {
  it('reads soft and hard limits from /proc/<pid>/limits', () => {
    expect(parseFdLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseFdLimit('Max open files            unlimited            unlimited            files\n')).toEqual({ soft: Number.MAX_SAFE_INTEGER, hard: Number.MAX_SAFE_INTEGER });
    expect(parseFdLimit('nothing here')).toBeUndefined();
    // this process's own file parses
    expect(parseFdLimit(readFileSync('/proc/self/limits', 'utf8'))?.soft).toBeGreaterThan(0);
  });

  it('fits the hosts at once into a soft limit, never below one', () => {
    expect(fdsNeeded(50)).toBe(FD_RESERVE + 100);
    expect(forksWithin(1024, 50)).toBe(50);
    expect(forksWithin(1024, 5000)).toBe(480);
    expect(forksWithin(70, 50)).toBe(3);
    expect(forksWithin(10, 50)).toBe(1);
  });

  it('keeps --forks when the limit allows it', () => {
    expect(fitForks(10)).toEqual({ forks: 10 });
  });
});
