/** Options shared by the commands that talk to hosts, and the reporters they choose. */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { Listener } from '../engine/events.js';
import { plainReporter } from '../report/plain.js';
import { batchedWriter, jsonReporter } from '../report/json.js';
import { junitReporter } from '../report/junit.js';
import { recapTable } from '../report/format.js';
import { DEFAULT_ROUND_TRIP_TIMEOUT_S } from '../engine/deadline.js';
import { addInventoryOptions, type InventoryFlags } from './load.js';

export interface HostCommandOptions extends InventoryFlags {
  extraVars: string[];
  forks: number;
  acceptNewHostKeys?: boolean;
  askBecomePass?: boolean;
  /** `--connect-timeout` (seconds). */
  connectTimeout?: number;
  /** `--round-trip-timeout` (seconds; 0: none). */
  roundTripTimeout?: number;
}

/** The per-host limits the flags set (absent: the inventory's and the engine's defaults). */
export function hostTimeouts(flags: HostCommandOptions): { connectTimeoutMs?: number; roundTripTimeoutMs?: number } {
  return {
    ...(flags.connectTimeout !== undefined ? { connectTimeoutMs: flags.connectTimeout * 1000 } : {}),
    ...(flags.roundTripTimeout !== undefined ? { roundTripTimeoutMs: flags.roundTripTimeout * 1000 } : {}),
  };
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** The inventory options (src/cli/load.ts) with -l, and what connecting to hosts takes. */
export function addHostOptions(cmd: Command): Command {
  return addInventoryOptions(cmd, { limit: true })
    .option('-f, --forks <n>', 'hosts handled at once; each holds one SSH connection (lowered to what the open-files limit allows)', (v) => positiveInt(v, '--forks'), 50)
    .option('--connect-timeout <seconds>', "give up connecting to a host after this long (default: the inventory's ssh.connect_timeout, 10 s)", (v) => seconds(v, '--connect-timeout', false))
    .option('--round-trip-timeout <seconds>', `give up on a host that has not answered a round trip after this long (default ${DEFAULT_ROUND_TRIP_TIMEOUT_S}; 0: no limit)`, (v) =>
      seconds(v, '--round-trip-timeout', true),
    )
    .option(
      '-c, --connection <local>',
      'reach every host through the local shell (the machine wpha runs on: the controller, an image being built), as you; through sudo when you are not root',
      connectionKind,
    )
    .option('--accept-new-host-keys', 'trust-on-first-use: record host keys not yet in known_hosts (a changed key is still refused)')
    .option('-K, --ask-become-pass', 'ask for the sudo password (for hosts whose user is not root)');
}

/** `--vault-password-file` for the vault commands. */
export function addVaultPasswordOption(cmd: Command): Command {
  return cmd.option('--vault-password-file <FILE|LABEL@FILE>', 'vault passphrase file, for one label or any (repeatable)', collect, []);
}

function connectionKind(v: string): 'local' {
  if (v !== 'local') throw new UserError(`--connection takes "local" (hosts use SSH unless the inventory says \`connection: local\`), not "${v}"`);
  return v;
}

function seconds(v: string, flag: string, zeroOk: boolean): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (!zeroOk && n === 0)) throw new UserError(`${flag} takes a number of seconds${zeroOk ? ' (0: no limit)' : ' above 0'}, not "${v}"`);
  return n;
}

export function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} takes a whole number of at least 1, not "${v}"`);
  return n;
}

export interface Reporting {
  listeners: Listener[];
  /** Wait for the live display, then print the recap (live mode prints it here). */
  finish: (recaps: Parameters<typeof recapTable>[0], ms: number, roundTrips: Record<string, number>) => Promise<void>;
}

/**
 * The live display (listr2, ~3 ms to load) is imported only for a terminal: `--json`, a pipe and
 * CI start without it (docs/startup.md).
 */
export async function chooseReporters(opts: { json?: boolean; junit?: string; diff: boolean; verbose?: boolean }): Promise<Reporting> {
  const listeners: Listener[] = [];
  if (opts.junit) listeners.push(junitReporter(opts.junit));
  if (opts.json) {
    const out = batchedWriter((s) => void process.stdout.write(s));
    listeners.push(jsonReporter(out.write));
    return { listeners, finish: async () => out.flush() };
  }
  if (process.stdout.isTTY && !process.env.CI) {
    const { liveReporter } = await import('../report/live.js');
    const live = liveReporter();
    listeners.push(live.listener);
    const diffs = plainReporter((s) => diffBuffer.push(s), { diff: opts.diff, verbose: Boolean(opts.verbose) });
    const diffBuffer: string[] = [];
    if (opts.diff) listeners.push((e) => (e.type === 'task' && e.diff ? diffs(e) : undefined));
    const notes: string[] = [];
    listeners.push((e) => (e.type === 'rollout-stopped' ? void notes.push(`${e.reason}\nNot run (no connection made): ${e.notRun.join(', ')}`) : undefined));
    return {
      listeners,
      finish: async (recaps, ms, rt) => {
        await live.finish();
        if (diffBuffer.length) process.stdout.write(diffBuffer.join(''));
        process.stdout.write(`\n${recapTable(recaps, ms, rt)}\n`);
        for (const n of notes) process.stdout.write(`${n}\n`);
      },
    };
  }
  listeners.push(plainReporter((s) => process.stdout.write(s), { diff: opts.diff, verbose: Boolean(opts.verbose) }));
  return { listeners, finish: async () => {} };
}

/** First Ctrl-C: stop starting new steps and let steps under way finish. Second: quit at once. */
export function interruptController(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  let count = 0;
  const onInt = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\nInterrupted: finishing the steps under way (file writes are atomic); press Ctrl-C again to quit now.\n');
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onInt);
  return { signal: ac.signal, dispose: () => (process.off('SIGINT', onInt), process.off('SIGTERM', onInt)) };
}
