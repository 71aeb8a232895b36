/** `--json`: one event per line (already redacted by the event bus). */
import type { Listener } from '../engine/events.js';

export function jsonReporter(write: (s: string) => void): Listener {
  return (e) => {
    if (e.type === 'host-phase') return;
    write(`${JSON.stringify(e)}\n`);
  };
}

/**
 * The lines written during one turn of the event loop, in one write: a run over thousands of
 * hosts makes tens of thousands of events, and a system call each was a measurable share of the
 * controller's CPU. Nothing waits longer than the current turn; `flush()` (also run at exit)
 * writes what is left.
 */
export function batchedWriter(write: (s: string) => void): { write: (s: string) => void; flush: () => void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    write(text);
  };
  process.once('exit', flush);
  return {
    write: (s) => {
      pending.push(s);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
