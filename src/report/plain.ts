/** Plain, greppable lines for logs and CI (no TTY): every task result, then a recap. */
import type { Listener, RunEvent } from '../engine/events.js';
import { indentDiff, recapTable, taskLine } from './format.js';

export function plainReporter(write: (s: string) => void, opts: { diff: boolean; verbose: boolean }): Listener {
  const roundTrips: Record<string, number> = {};
  return (e: RunEvent) => {
    switch (e.type) {
      case 'run-start':
        write(`${e.check ? 'Planning' : 'Applying'} inventory "${e.inventory}"${e.shard ? ` (shard ${e.shard})` : ''} on ${e.hosts.length} host(s): ${e.hosts.join(', ')}\n`);
        if (e.withoutRoles.length) write(`No role for ${e.withoutRoles.join(', ')}: not contacted\n`);
        break;
      case 'task':
        if (e.status === 'ok' && !opts.verbose) break;
        if (e.status === 'skipped' && !opts.verbose) break;
        write(`${taskLine(e)}\n`);
        if (opts.diff && e.diff) write(`${indentDiff(e.host, e.diff)}\n`);
        break;
      case 'host-unreachable':
        write(`${e.host} | unreachable | ${e.error}\n`);
        break;
      case 'host-failed':
        write(`${e.host} | failed | ${e.error}\n`);
        break;
      case 'host-done':
        roundTrips[e.host] = e.roundTrips;
        break;
      case 'batch-start':
        write(`Batch ${e.batch}/${e.batches}: ${e.hosts.join(', ')}\n`);
        break;
      case 'rollout-stopped':
        write(`${e.reason}\nNot run (no connection made): ${e.notRun.join(', ')}\n`);
        break;
      case 'run-done':
        write(`${recapTable(e.recaps, e.ms, roundTrips)}\n`);
        if (e.interrupted) write('Interrupted: no new step was started after Ctrl-C; steps under way finished (file writes are atomic).\n');
        break;
      default:
        break;
    }
  };
}
