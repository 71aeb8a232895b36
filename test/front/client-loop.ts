/**
 * A client on a lab host that requests a URL in a loop for a while (as a visitor would during a
 * failover), and the reading of its log: how long requests failed, and whether only 200s came
 * after.
 */
import type { LabHosts } from '../helpers/lab-hosts.js';

export interface Sample {
  /** Milliseconds since the epoch, on the client host. */
  t: number;
  /** HTTP status, 0 when the request failed (timeout, refused). */
  code: number;
  /** Web node that served it (X-Served-By), "" when none. */
  by: string;
}

/**
 * Requests `url` every ~100 ms on `host` (curl, 1 s timeout per request) until `stopFile`
 * exists there or `maxSeconds` passed, and resolves with every sample once the loop ended.
 */
export async function clientLoop(lab: LabHosts, host: string, url: string, maxSeconds: number, stopFile: string): Promise<Sample[]> {
  const script = `
rm -f '${stopFile}'
end=$(( $(date +%s) + ${maxSeconds} ))
while [ "$(date +%s)" -lt "$end" ] && [ ! -e '${stopFile}' ]; do
  t=$(date +%s%3N)
  r=$(curl -s -o /dev/null --connect-timeout 1 -m 1 -w '%{http_code} %header{x-served-by}' '${url}')
  echo "$t $r"
  sleep 0.1
done
rm -f '${stopFile}'`;
  const r = await lab.ssh(host, 'sh', { input: script, timeoutMs: (maxSeconds + 30) * 1000 });
  if (r.code !== 0) throw new Error(`client loop on ${host} failed (${r.code}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => /^\d+ \d+/.test(l))
    .map((l) => {
      const [t, code, by] = l.split(' ');
      return { t: Number(t), code: Number(code), by: by ?? '' };
    });
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
 * Start the client loop, run `action` `beforeMs` later, and stop the loop `afterMs` after the
 * action returned (on a loaded machine an ssh command may take seconds: the loop waits for it).
 */
export async function loopAround(lab: LabHosts, client: string, url: string, beforeMs: number, afterMs: number, action: () => Promise<unknown>): Promise<Sample[]> {
  const stopFile = `/tmp/wpha-client-loop-${process.pid}-${Date.now()}`;
  const loop = clientLoop(lab, client, url, 120, stopFile);
  try {
    await new Promise((r) => setTimeout(r, beforeMs));
    await action();
    await new Promise((r) => setTimeout(r, afterMs));
  } finally {
    await lab.ssh(client, `touch '${stopFile}'`);
  }
  return loop;
}
