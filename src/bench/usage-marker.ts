/**
 * The stderr line usage-preload.js prints at exit, and its parser (kept apart from the preload:
 * importing the preload would install its exit hook in the importing process).
 */
export interface ProcessUsage {
  maxRssKb: number;
  cpuMs: number;
}

const MARKER = 'wpha-bench usage:';
const LINE = /wpha-bench usage: max-rss-kb=(\d+) cpu-ms=(\d+)\n?/;

export function formatUsage(u: ProcessUsage): string {
  return `${MARKER} max-rss-kb=${Math.round(u.maxRssKb)} cpu-ms=${Math.round(u.cpuMs)}`;
}

/** The usage line (the last one) out of a process's stderr, and that stderr without it. */
export function parseUsage(stderr: string): { usage?: ProcessUsage; rest: string } {
  const at = stderr.lastIndexOf(MARKER);
  const m = at >= 0 ? stderr.slice(at).match(LINE) : null;
  if (!m) return { rest: stderr };
  const rest = (stderr.slice(0, at) + stderr.slice(at + m[0].length)).replace(/\n$/, '');
  return { usage: { maxRssKb: Number(m[1]), cpuMs: Number(m[2]) }, rest };
}
