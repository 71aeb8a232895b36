/**
 * Loaded into the wpha process the benchmark starts (`node --import <this> bin/wpha ...`): at exit
 * it prints the process's peak resident set size and CPU time (user + system) to stderr, as the
 * kernel counts them (getrusage), so the figures are exact whatever the run's length, with no
 * polling and no change to the CLI itself. CPU time next to the wall clock says whether a run
 * waited on the hosts or on the controller.
 */
import { formatUsage } from './usage-marker.js';

process.on('exit', () => {
  const u = process.resourceUsage();
  // stderr writes are synchronous for pipes and files on Linux, so this line is not lost.
  process.stderr.write(`\n${formatUsage({ maxRssKb: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })}\n`);
});
