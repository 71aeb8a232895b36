import { describe, it, expect } from 'vitest';
import { formatUsage, parseUsage } from './usage-marker.js';

describe('usage line of the bench preload', () => {
  it('round-trips and is taken out of the stderr it came with', () => {
    // as the preload writes it: on a line of its own, even after output without a final newline
    const stderr = `lab: 2 host(s)\nwarning: x\n\n${formatUsage({ maxRssKb: 123456.4, cpuMs: 789.6 })}\n`;
    expect(parseUsage(stderr)).toEqual({ usage: { maxRssKb: 123456, cpuMs: 790 }, rest: 'lab: 2 host(s)\nwarning: x\n' });
  });

  it('leaves stderr alone when the process died before printing it', () => {
    expect(parseUsage('Killed\n')).toEqual({ rest: 'Killed\n' });
  });
});
