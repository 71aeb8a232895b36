/**
 * Pacing and retrying Proxmox API calls. A token bucket keeps wpha under a set number of requests
 * per second (a rolling upgrade polls task and agent status often; pveproxy serves the whole
 * cluster's UI too). Transient failures are retried with exponential backoff: requests that
 * never reached the API, and answers saying it did nothing (429, 503, a config lock that timed
 * out). Pure: the clock and the sleep are given.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
    private readonly burst = Math.max(1, perSecond),
  ) {
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** Waits until a request may go. */
  async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
    }
  }
}

export interface Attempt {
  /** HTTP status, or 0 when no answer came (connection refused, reset, timed out). */
  status: number;
  message: string;
  /** Seconds the server asked to wait (Retry-After). */
  retryAfter?: number;
  /** The request may have been applied (an answer came, or the connection broke after sending). */
  maybeApplied: boolean;
}

/** Whether to try again: only when doing so cannot apply a change twice. */
export function retryable(a: Attempt, idempotent: boolean): boolean {
  if (a.status === 429 || a.status === 503) return true;
  // "can't lock file '/var/lock/qemu-server/lock-105.conf' - got timeout": nothing was changed.
  if (a.status === 500 && /can't lock file|got timeout/i.test(a.message)) return true;
  if (a.status === 0) return idempotent || !a.maybeApplied;
  if (a.status === 502 || a.status === 504) return idempotent;
  return false;
}

/** Milliseconds before try `n` (1-based retry count): 0.5 s, 1 s, 2 s, 4 s..., or what the server asked. */
export function backoffMs(n: number, a: Attempt): number {
  if (a.retryAfter !== undefined) return Math.min(60_000, a.retryAfter * 1000);
  return Math.min(30_000, 500 * 2 ** (n - 1));
}
