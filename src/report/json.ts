/** `--json`: one event per line (already redacted by the event bus). */
import type { Listener } from '../engine/events.js';

export function jsonReporter(write: (s: string) => void): Listener {
  return (e) => {
    if (e.type === 'host-phase') return;
    write(`${JSON.stringify(e)}\n`);
  };
}
