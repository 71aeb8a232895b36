/**
 * wrk (Debian package `wrk`), run on a lab host against the lab's VIP: the command line, and a
 * pure parser of its `--latency` report (tested on recorded outputs in fixtures/).
 */
import { sh } from '../shell/quote.js';

export interface WrkRun {
  /** Full URL with an explicit port: wrk resolves a scheme's port through /etc/services. */
  url: string;
  host: string;
  threads: number;
  connections: number;
  seconds: number;
  /** Extra request headers, e.g. a cookie. */
  headers?: string[];
}

/** Shell text running wrk once; its report goes to stdout. */
export function wrkCommand(r: WrkRun): string {
  const headers = [`Host: ${r.host}`, ...(r.headers ?? [])].flatMap((h) => ['-H', h]);
  // --timeout above the run's length: a slow answer is counted as latency, not dropped as an error.
  return sh`wrk -t${r.threads} -c${r.connections} -d${r.seconds}s --timeout ${r.seconds + 5}s --latency ${headers} ${r.url}`;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Latency percentiles in milliseconds, from the "Latency Distribution" block. */
  latencyMs: { p50: number; p75: number; p90: number; p99: number };
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** Answers whose status was not 2xx or 3xx. */
  badResponses: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "812.00us", "4.80ms", "1.02s", "2.00m" -> milliseconds. */
export function durationMs(text: string): number {
  const m = text.trim().match(/^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/);
  if (!m) throw new Error(`Unexpected wrk duration "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function required(text: string, re: RegExp, what: string): RegExpMatchArray {
  const m = text.match(re);
  if (!m) throw new Error(`No ${what} in the wrk output:\n${text.trim().split('\n').slice(0, 20).join('\n')}`);
  return m;
}

export function parseWrk(text: string): WrkResult {
  const pct = (p: number) => durationMs(required(text, new RegExp(`^\\s*${p}(?:\\.0+)?%\\s+(\\S+)\\s*$`, 'm'), `${p}% latency`)[1]!);
  const total = required(text, /^\s*(\d+) requests in (\S+),/m, 'request count');
  const errors = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const bad = text.match(/Non-2xx or 3xx responses: (\d+)/);
  return {
    requests: Number(total[1]),
    seconds: durationMs(total[2]!) / 1000,
    requestsPerSecond: Number(required(text, /^Requests\/sec:\s+(\d+(?:\.\d+)?)/m, 'Requests/sec')[1]),
    latencyMs: { p50: pct(50), p75: pct(75), p90: pct(90), p99: pct(99) },
    socketErrors: errors ? { connect: Number(errors[1]), read: Number(errors[2]), write: Number(errors[3]), timeout: Number(errors[4]) } : { connect: 0, read: 0, write: 0, timeout: 0 },
    badResponses: bad ? Number(bad[1]) : 0,
  };
}

/** Every socket error and non-2xx/3xx answer, summed: anything but 0 deserves a line in the report. */
export const wrkFailures = (r: WrkResult): number => r.badResponses + r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout;
