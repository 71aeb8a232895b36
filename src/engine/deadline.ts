/**
 * Per-host deadlines: a host that stops answering must never hold up a run. Connecting has its
 * own limit (ssh2's readyTimeout, `ssh.connect_timeout` or --connect-timeout); each round trip
 * has this one (--round-trip-timeout), long by default because a first apply's package installs
 * are legitimately slow. A connection whose host is gone altogether (network cut, machine frozen)
 * is noticed sooner by SSH keepalives (every 15 s, 3 unanswered ends it).
 */

/** Default longest wait for one round trip (seconds): a big package transaction fits. */
export const DEFAULT_ROUND_TRIP_TIMEOUT_S = 3600;

/**
 * Resolves or rejects as `work` does, unless `ms` pass first: then `expire()` runs (it should
 * end what `work` waits on, e.g. destroy the connection) and the result rejects with its error.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, expire: () => Error): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(expire()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** "12 s", "1.5 s", "20 min" for messages. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s >= 120 && Number.isInteger(s / 60)) return `${s / 60} min`;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
