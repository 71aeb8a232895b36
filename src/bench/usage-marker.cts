/**
 * The stderr line usage-preload.cjs prints at exit, and its parser (kept apart from the preload:
 * importing the preload would install its exit hook in the importing process).
 */
export interface ProcessUsage {
  maxRssKb: number;
  cpuMs: number;
  /** Wall clock (epoch ms) when the process opened its first TCP connection (absent: none). */
  firstConnectAt?: number;
  /** CPU time (user + system, ms) the process had used by its first TCP connection. */
  startupCpuMs?: number;
  /** Wall clock (epoch ms) of the last bytes any of its TCP connections received (absent: none). */
  lastDataAt?: number;
  /** Most file descriptors open at once (sampled every 20 ms). */
  maxFds?: number;
  /** Longest event-loop delay seen (perf_hooks.monitorEventLoopDelay), ms. */
  loopMaxMs?: number;
  /** Longest garbage-collection pause after the first connection, ms. */
  gcMaxMs?: number;
}

const MARKER = 'wpha-bench usage:';
const FIELDS: [keyof ProcessUsage, string, number][] = [
  ['maxRssKb', 'max-rss-kb', 0],
  ['cpuMs', 'cpu-ms', 0],
  ['firstConnectAt', 'first-connect', 1],
  ['startupCpuMs', 'startup-cpu-ms', 0],
  ['lastDataAt', 'last-data', 1],
  ['maxFds', 'max-fds', 0],
  ['loopMaxMs', 'loop-max-ms', 1],
  ['gcMaxMs', 'gc-max-ms', 1],
];

export function formatUsage(u: ProcessUsage): string {
  const parts = FIELDS.filter(([k]) => u[k] !== undefined).map(([k, name, digits]) => `${name}=${digits ? u[k]!.toFixed(digits) : Math.round(u[k]!)}`);
  return `${MARKER} ${parts.join(' ')}`;
}

/** The usage line (the last one) out of a process's stderr, and that stderr without it. */
export function parseUsage(stderr: string): { usage?: ProcessUsage; rest: string } {
  const at = stderr.lastIndexOf(MARKER);
  if (at < 0) return { rest: stderr };
  const end = stderr.indexOf('\n', at);
  const line = stderr.slice(at + MARKER.length, end < 0 ? undefined : end);
  const values = new Map(
    line
      .trim()
      .split(/\s+/)
      .map((p) => p.split('=') as [string, string]),
  );
  if (!values.has('max-rss-kb') || !values.has('cpu-ms')) return { rest: stderr };
  const usage = {} as ProcessUsage;
  for (const [k, name] of FIELDS) if (values.has(name)) usage[k] = Number(values.get(name));
  const rest = (stderr.slice(0, at) + (end < 0 ? '' : stderr.slice(end + 1))).replace(/\n$/, '');
  return { usage, rest };
}
