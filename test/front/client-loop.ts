/**
 * A client on a lab host that requests a URL in a loop for a while (as a visitor would during a
 * failover). The loop's script and the reading of its log (how many requests failed, for how
 * long) are in src/bench/failover.ts, shared with the stack bench.
 */
import type { LabHosts } from '../helpers/lab-hosts.js';
import { clientLoopScript, parseSamples, type Sample } from '../../src/bench/failover.js';

export { aroundFirstFailure, failedRequests, outageOf, outageLine, wasReset, type Sample, type Outage } from '../../src/bench/failover.js';

/**
 * Requests `url` every ~100 ms on `host` (curl, 1 s timeout per request) until `stopFile`
 * exists there or `maxSeconds` passed, and resolves with every sample once the loop ended.
 */
export async function clientLoop(lab: LabHosts, host: string, url: string, maxSeconds: number, stopFile: string): Promise<Sample[]> {
  const r = await lab.ssh(host, 'sh', { input: clientLoopScript(url, maxSeconds, stopFile), timeoutMs: (maxSeconds + 30) * 1000 });
  if (r.code !== 0) throw new Error(`client loop on ${host} failed (${r.code}): ${r.stderr}`);
  return parseSamples(r.stdout);
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
