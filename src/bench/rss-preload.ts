/**
 * Loaded into the wpha process the benchmark starts (`node --import <this> bin/wpha ...`): at exit
 * it prints the process's peak resident set size to stderr, measured by the kernel (getrusage
 * maxrss), so the figure is exact whatever the run's length, with no polling and no change to
 * the CLI itself.
 */
import { MAX_RSS_MARKER } from './rss-marker.js';

process.on('exit', () => {
  // stderr writes are synchronous for pipes and files on Linux, so this line is not lost.
  process.stderr.write(`\n${MAX_RSS_MARKER}${process.resourceUsage().maxRSS}\n`);
});
