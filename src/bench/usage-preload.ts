/**
 * Loaded into the wpha process the benchmark starts (`node --import <this> bin/wpha ...`): at exit
 * it prints the process's peak resident set size and CPU time (user + system) to stderr, as the
 * kernel counts them (getrusage), so the figures are exact whatever the run's length, with no
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
 */
import { createRequire } from 'node:module';
import type * as Fs from 'node:fs';
import type * as Net from 'node:net';
import type * as PerfHooks from 'node:perf_hooks';
import { formatUsage } from './usage-marker.js';

// Built-ins through process.getBuiltinModule (Node >= 20.16; else require), not `import`: an ES
// module import of a built-in builds a facade module, start-up time the measured process would not
// have itself.
const builtin = ((process as unknown as { getBuiltinModule?: NodeJS.Require }).getBuiltinModule ?? createRequire(import.meta.url)) as NodeJS.Require;
const { readdirSync } = builtin('node:fs') as typeof Fs;
const { Socket } = builtin('node:net') as typeof Net;
const { monitorEventLoopDelay, PerformanceObserver } = builtin('node:perf_hooks') as typeof PerfHooks;

const now = () => performance.timeOrigin + performance.now();
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
let firstConnectAt: number | undefined;
let startupCpuMs: number | undefined;
let lastDataAt: number | undefined;

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
// The longest garbage-collection pause after the first connection: tells a stall the collector
// caused from one of wpha's own work (or from waiting for a CPU on a loaded machine).
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  if (firstConnectAt !== undefined) for (const e of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, e.duration);
}).observe({ entryTypes: ['gc'] });

const connect = Socket.prototype.connect;
Socket.prototype.connect = function (this: Net.Socket, ...args: unknown[]) {
  if (firstConnectAt === undefined) {
    firstConnectAt = now();
    startupCpuMs = cpuMs();
    loop.reset(); // stalls while hosts are served, not the start-up's one long synchronous load
  }
  this.on('data', () => void (lastDataAt = now()));
  return (connect as (...a: unknown[]) => Net.Socket).apply(this, args);
} as typeof connect;

const openFds = () => {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
};
let maxFds = openFds();
setInterval(() => void (maxFds = Math.max(maxFds, openFds())), 20).unref();

process.on('exit', () => {
  const u = process.resourceUsage();
  loop.disable();
  const usage = { maxRssKb: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxFds: Math.max(maxFds, openFds()), loopMaxMs: loop.max / 1e6, gcMaxMs };
  const times = firstConnectAt !== undefined ? { firstConnectAt, startupCpuMs: startupCpuMs!, ...(lastDataAt !== undefined ? { lastDataAt } : {}) } : {};
  // stderr writes are synchronous for pipes and files on Linux, so this line is not lost.
  process.stderr.write(`\n${formatUsage({ ...usage, ...times })}\n`);
});
