import { describe, it, expect } from 'vitest';
import { withDeadline, formatSeconds } from './deadline.js';

describe('per-host deadlines', () => {
  it('passes the result through when the work ends in time, and clears its timer', async () => {
    let expired = false;
    await expect(withDeadline(Promise.resolve(7), 1000, () => ((expired = true), new Error('late')))).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('own failure')), 1000, () => new Error('late'))).rejects.toThrow('own failure');
    expect(expired).toBe(false);
  });

  it('rejects with the expiry error and lets the caller end the work that never answers', async () => {
    let ended = false;
    const never = new Promise<number>(() => {});
    const err = await withDeadline(never, 20, () => ((ended = true), new Error('No answer within 0.02 s'))).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('No answer within 0.02 s');
    expect(ended).toBe(true);
  });

  it('has no deadline for 0 (the option turned off)', async () => {
    await expect(withDeadline(Promise.resolve('x'), 0, () => new Error('never'))).resolves.toBe('x');
  });

  it('says durations the way messages need them', () => {
    expect(formatSeconds(5000)).toBe('5 s');
    expect(formatSeconds(1500)).toBe('1.5 s');
    expect(formatSeconds(3_600_000)).toBe('60 min');
  });
});
