/**
 * A visitor's view of a front failover: a client on a lab host requests a URL in a loop (a new
 * connection each time, 1 s timeout, every ~100 ms) while something happens to the VIP holder,
 * then the log is read back: how many requests failed and for how long. Pure: the loop's shell
 * text and the parsers (the lab test and the stack bench run them over SSH).
 */
import { sh } from '../shell/quote.js';

export interface Sample {
  /** Milliseconds since the epoch, on the client host. */
  t: number;
  /** HTTP status, 0 when the request failed (timeout, refused, reset). */
  code: number;
  /** curl's exit status: 0 answered, 7 refused, 28 timed out, 55/56 reset by the peer (CURLE_*). */
  exit: number;
  /** Web node that served it (X-Served-By), "" when none. */
  by: string;
}

export interface Outage {
  /** Samples that were not 200. */
  failed: number;
  /** From the last 200 before the first failure to the first 200 after the last one (0: none failed). */
  outageMs: number;
  /** Samples after the last failure (all 200 by construction). */
  after: number;
  total: number;
}

/** The loop: until `stopFile` exists on the client or `maxSeconds` passed; one "t code exit served-by" line per request. */
export function clientLoopScript(url: string, maxSeconds: number, stopFile: string, hostHeader?: string): string {
  const header = hostHeader ? sh` -H ${`Host: ${hostHeader}`}` : '';
  return `
rm -f ${sh`${stopFile}`}
end=$(( $(date +%s) + ${Math.floor(maxSeconds)} ))
while [ "$(date +%s)" -lt "$end" ] && [ ! -e ${sh`${stopFile}`} ]; do
  t=$(date +%s%3N)
  r=$(curl -s -o /dev/null --connect-timeout 1 -m 1${header} -w '%{http_code} %{exitcode} %header{x-served-by}' ${sh`${url}`})
  echo "$t $r"
  sleep 0.1
done
rm -f ${sh`${stopFile}`}`;
}

export function parseSamples(stdout: string): Sample[] {
  return stdout
    .split('\n')
    .filter((l) => /^\d+ \d+ \d+/.test(l))
    .map((l) => {
      const [t, code, exit, by] = l.split(' ');
      return { t: Number(t), code: Number(code), exit: Number(exit), by: by ?? '' };
    });
}

export function outageOf(samples: Sample[]): Outage {
  const bad = samples.map((s, i) => (s.code === 200 ? -1 : i)).filter((i) => i >= 0);
  if (bad.length === 0) return { failed: 0, outageMs: 0, after: samples.length, total: samples.length };
  const first = bad[0]!;
  const last = bad[bad.length - 1]!;
  const before = first > 0 ? samples[first - 1]!.t : samples[0]!.t;
  const afterSample = samples[last + 1];
  return {
    failed: bad.length,
    // No 200 after the last failure: the outage lasts until the end of the loop (and beyond).
    outageMs: (afterSample ? afterSample.t : Number.POSITIVE_INFINITY) - before,
    after: samples.length - last - 1,
    total: samples.length,
  };
}

/**
 * A request whose connection was reset by the peer (curl 55: send failure, 56: receive failure)
 * and got no answer: what a connection open at the instant the VIP changes owner gets from the
 * new owner, which knows nothing of it (docs/front-failover.md).
 */
export function wasReset(s: Sample): boolean {
  return s.code === 0 && (s.exit === 55 || s.exit === 56);
}

/** Each failed request: code, curl's exit status, who served it, and when (ms after the first sample). */
export function failedRequests(samples: Sample[]): string[] {
  const start = samples[0]?.t ?? 0;
  return samples.filter((x) => x.code !== 200).map((x) => `${String(x.code).padStart(3, '0')} (curl ${x.exit}${wasReset(x) ? ': reset' : ''})${x.by ? ` by ${x.by}` : ''} at +${x.t - start} ms`);
}

/**
 * The requests within `ms` of the first failed one, a line each (time from `zero`, status, curl's
 * exit, the node that answered): what a test prints when a request it expected to succeed did not.
 */
export function aroundFirstFailure(samples: readonly Sample[], zero: number, ms = 1500): string {
  const first = samples.find((x) => x.code !== 200);
  if (!first) return '';
  return samples
    .filter((x) => Math.abs(x.t - first.t) <= ms)
    .map((x) => `${x.t - zero} ms: ${x.code} exit ${x.exit} by ${x.by || '-'}`)
    .join('\n');
}

/** "0 failed requests, 0.0 s" / "3 failed requests, 3.6 s" */
export function outageLine(o: Outage): string {
  return `${o.failed} failed request${o.failed === 1 ? '' : 's'}, ${Number.isFinite(o.outageMs) ? (o.outageMs / 1000).toFixed(1) : 'no recovery'} s (${o.total} requests)`;
}
