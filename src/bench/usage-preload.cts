/**
 * Loaded into the wpha process the benchmark starts (`node --require <this> bin/wpha ...`): at
 * exit it prints the process's peak resident set size and CPU time (user + system) to stderr, as
 * the kernel counts them (getrusage), so the figures are exact whatever the run's length, with no
 * change to the CLI itself. CPU time next to the wall clock says whether a run waited on the
 * hosts or on the controller.
 *
 * It also notes, on the wall clock, when the process opened its first TCP connection and when
 * its connections last received anything: the bench turns them into "start-up" (spawn to first
 * connection) and "tail" (last answer to exit). ssh2 connects with `new Socket().connect()`,
 * which Node 20's `net.client.socket` diagnostics channel does not see, so the preload wraps
 * `Socket.prototype.connect` (in this measured process only). And the most file descriptors open
 * at once (/proc/self/fd, sampled every 20 ms) and the longest event-loop stall after the first
 * connection (monitorEventLoopDelay): what a fleet of thousands of hosts strains first.
 *
 * The measured start-up is the process's own: this file is CommonJS (`--require`; an `--import`
 * preload made Node set up its ES module loader and a facade per built-in first, ~9 ms of the
 * figure), loads only `net` before the first connection (which wpha loads anyway), and starts
 * its samplers (open files, event-loop delay, garbage-collection pauses) at that connection.
 */
import type * as Fs from 'node:fs';
import type * as PerfHooks from 'node:perf_hooks';
import { Socket, type Socket as NetSocket } from 'node:net';
import { formatUsage } from './usage-marker.cjs';

const now = () => performance.timeOrigin + performance.now();
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
let firstConnectAt: number | undefined;
let startupCpuMs: number | undefined;
let lastDataAt: number | undefined;
let loop: PerfHooks.IntervalHistogram | undefined;
// The longest garbage-collection pause after the first connection: tells a stall the collector
// caused from one of wpha's own work (or from waiting for a CPU on a loaded machine).
let gcMaxMs = 0;

let readdirSync: typeof Fs.readdirSync | undefined;
const openFds = () => {
  try {
    readdirSync ??= (require('node:fs') as typeof Fs).readdirSync;
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
};
let maxFds = 0;

/** From the first connection on: open files, event-loop delay and collector pauses. */
function startSamplers(): void {
  const { monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks') as typeof PerfHooks;
  loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable(); // stalls while hosts are served, not the start-up's one long synchronous load
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, e.duration);
  }).observe({ entryTypes: ['gc'] });
  maxFds = openFds();
  setInterval(() => void (maxFds = Math.max(maxFds, openFds())), 20).unref();
}

const connect = Socket.prototype.connect;
Socket.prototype.connect = function (this: NetSocket, ...args: unknown[]) {
  if (firstConnectAt === undefined) {
    firstConnectAt = now();
    startupCpuMs = cpuMs();
    startSamplers();
  }
  this.on('data', () => void (lastDataAt = now()));
  return (connect as (...a: unknown[]) => NetSocket).apply(this, args);
} as typeof connect;

process.on('exit', () => {
  const u = process.resourceUsage();
  loop?.disable();
  const usage = {
    maxRssKb: u.maxRSS,
    cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
    maxFds: Math.max(maxFds, openFds()),
    ...(loop ? { loopMaxMs: loop.max / 1e6 } : {}),
    gcMaxMs,
  };
  const times = firstConnectAt !== undefined ? { firstConnectAt, startupCpuMs: startupCpuMs!, ...(lastDataAt !== undefined ? { lastDataAt } : {}) } : {};
  // stderr writes are synchronous for pipes and files on Linux, so this line is not lost.
  process.stderr.write(`\n${formatUsage({ ...usage, ...times })}\n`);
});
