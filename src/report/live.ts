/**
 * The live task list on a terminal (listr2): one line per host with its phase and counts, and
 * the changes under it as they happen. Everything it prints comes from redacted events.
 */
import { Listr } from 'listr2';
import type { Listener, RunEvent } from '../engine/events.js';

interface HostState {
  resolve: () => void;
  reject: (e: Error) => void;
  title: (s: string) => void;
  output: (s: string) => void;
  counts: { ok: number; changed: number; failed: number; skipped: number };
  lines: string[];
}

export function liveReporter(): { listener: Listener; finish: () => Promise<void> } {
  const hosts = new Map<string, HostState>();
  const ready = new Map<string, Promise<void>>();
  let running: Promise<unknown> = Promise.resolve();
  const summary = (h: HostState) => `${h.counts.ok} ok, ${h.counts.changed} changed${h.counts.failed ? `, ${h.counts.failed} failed` : ''}${h.counts.skipped ? `, ${h.counts.skipped} skipped` : ''}`;

  const listener: Listener = (e: RunEvent) => {
    if (e.type === 'run-start') {
      const list = new Listr(
        e.hosts.map((name) => ({
          title: `${name}: waiting`,
          task: (_ctx: unknown, task: { title: string; output: string }) =>
            new Promise<void>((resolve, reject) => {
              hosts.set(name, {
                resolve,
                reject,
                title: (s) => (task.title = s),
                output: (s) => (task.output = s),
                counts: { ok: 0, changed: 0, failed: 0, skipped: 0 },
                lines: [],
              });
            }),
          rendererOptions: { persistentOutput: true, outputBar: 12 },
        })),
        { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
      );
      running = list.run().catch(() => undefined);
      for (const name of e.hosts) ready.set(name, Promise.resolve());
      return;
    }
    if (e.type === 'batch-start') {
      for (const name of e.hosts) hosts.get(name)?.title(`${name}: batch ${e.batch}/${e.batches}`);
      return;
    }
    if (e.type === 'rollout-stopped') {
      for (const name of e.notRun) {
        hosts.get(name)?.title(`${name}: not run (rollout stopped after batch ${e.batch})`);
        hosts.get(name)?.resolve();
      }
      return;
    }
    if (!('host' in e)) return;
    const h = hosts.get(e.host);
    if (!h) return;
    switch (e.type) {
      case 'host-phase':
        h.title(`${e.host}: ${e.phase}`);
        break;
      case 'task':
        h.counts[e.status]++;
        if (e.status === 'changed' || e.status === 'failed') {
          h.lines.push(
            `${e.rescued ? '✖ (rescued)' : e.ignored ? '✖ (ignored)' : e.status === 'failed' ? '✖' : e.planned ? '~' : '✔'} ${e.role}: ${e.task}${e.summary.length ? ` (${e.summary.join('; ')})` : ''}${e.error ? `: ${e.error.split('\n')[0]}` : ''}`,
          );
          h.output(h.lines.join('\n'));
        }
        h.title(`${e.host}: ${summary(h)}`);
        break;
      case 'host-unreachable':
        h.reject(new Error(`${e.host}: unreachable: ${e.error}`));
        break;
      case 'host-failed':
        h.reject(new Error(`${e.host}: ${e.error}`));
        break;
      case 'host-done':
        h.title(`${e.host}: ${summary(h)} in ${(e.ms / 1000).toFixed(2)} s`);
        if (h.counts.failed) h.reject(new Error(`${e.host}: ${summary(h)}`));
        else h.resolve();
        break;
    }
  };
  return { listener, finish: async () => void (await running) };
}
