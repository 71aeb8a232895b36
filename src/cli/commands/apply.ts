/** `wpha apply` and `wpha plan`: converge hosts to the roles their groups get (or only show what would change). */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { runLogger, runLogFile } from '../../report/run-log.js';
import { runPlay } from '../../engine/run.js';
import { ExitCode, UserError } from '../../errors.js';
import { parseBatchSpec, type BatchEntry } from '../../rollout/batch-size.js';
import { parseShard, type Shard } from '../../rollout/shard.js';
import { ensureLabHosts } from '../lab-hosts.js';
import { loadInventoryFor } from '../load.js';
import { addHostOptions, chooseReporters, hostTimeouts, interruptController, positiveInt, type HostCommandOptions } from '../options.js';
import { promptHidden } from '../prompt.js';

interface ApplyFlags extends HostCommandOptions {
  check?: boolean;
  diff?: boolean;
  tags: string[];
  skipTags: string[];
  forceHandlers?: boolean;
  json?: boolean;
  junit?: string;
  verbose?: boolean;
  detailedExitcode?: boolean;
  lockTimeout?: number;
  serial?: BatchEntry[];
  maxFailPercentage?: number;
  shard?: Shard;
}

function serialOption(v: string): BatchEntry[] {
  try {
    return parseBatchSpec(v);
  } catch (e) {
    throw new UserError(`--serial "${v}": ${(e as Error).message}`);
  }
}

function percentOption(v: string): number {
  const n = Number(v.endsWith('%') ? v.slice(0, -1) : v);
  if (v.trim() === '' || v === '%' || !Number.isFinite(n) || n < 0 || n > 100) throw new UserError(`--max-fail-percentage takes a percentage from 0 to 100, not "${v}"`);
  return n;
}

const list = (v: string, prev: string[]) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export async function apply(flags: ApplyFlags, mode: 'apply' | 'plan'): Promise<number> {
  const check = mode === 'plan' || Boolean(flags.check);
  const diff = mode === 'plan' || Boolean(flags.diff);
  const { inv, hosts } = await loadInventoryFor(flags);
  // Local hosts need no lab host up.
  if (hosts.length > 0 && !flags.connection) await ensureLabHosts(inv);
  const becomePassword = flags.askBecomePass ? await promptHidden('sudo password: ') : undefined;
  const runId = randomBytes(6).toString('hex');
  const reporting = await chooseReporters({ json: flags.json, ...(flags.junit ? { junit: flags.junit } : {}), diff, verbose: flags.verbose });
  const interrupt = interruptController();
  try {
    const s = await runPlay(inv, {
      ...(flags.limit ? { limit: flags.limit } : {}),
      tags: flags.tags,
      skipTags: flags.skipTags,
      check,
      diff,
      forks: flags.forks,
      ...hostTimeouts(flags),
      forceHandlers: Boolean(flags.forceHandlers),
      ...(flags.lockTimeout ? { lockTimeoutSeconds: flags.lockTimeout } : {}),
      ...(flags.serial ? { serial: flags.serial } : {}),
      ...(flags.shard ? { shard: flags.shard } : {}),
      ...(flags.maxFailPercentage !== undefined ? { maxFailPercentage: flags.maxFailPercentage } : {}),
      acceptNewHostKeys: Boolean(flags.acceptNewHostKeys),
      ...(becomePassword ? { becomePassword } : {}),
      signal: interrupt.signal,
      listeners: [...reporting.listeners, runLogger(runLogFile(), { id: runId, command: mode, ...(flags.limit ? { limit: flags.limit } : {}) })],
      runId,
    });
    await reporting.finish(s.recaps, s.ms, s.roundTrips);
    if (s.interrupted) return ExitCode.interrupted;
    if (s.failed) return ExitCode.failed;
    if (mode === 'plan' && flags.detailedExitcode && s.changed) return ExitCode.changesPending;
    return ExitCode.ok;
  } finally {
    interrupt.dispose();
  }
}

function common(cmd: Command): Command {
  return addHostOptions(cmd)
    .option('-t, --tags <tags>', 'only tasks with one of these tags (comma-separated, repeatable)', list, [])
    .option('--skip-tags <tags>', 'skip tasks with one of these tags', list, [])
    .option('--json', 'one JSON event per line on stdout (secrets masked)')
    .option('--junit <file>', 'write a JUnit XML report: one test case per host x task')
    .option('--shard <i/n>', 'only the i-th of n disjoint parts of the selected hosts (parallel agents; see docs/rollout.md)', parseShard)
    .option('-v, --verbose', 'also list tasks that were already in place');
}

export function register(program: Command): void {
  common(
    program
      .command('apply')
      .description('Converge hosts: probe each host in one round trip, plan, apply only what differs, run notified handlers')
      .option('-C, --check', 'change nothing; show what would change')
      .option('-D, --diff', 'show unified diffs of file changes (secrets masked)')
      .option('--force-handlers', 'run notified handlers even on a host where a later task failed')
      .option(
        '--lock-timeout <seconds>',
        'wait this long for a host another apply holds, or for the step an apply whose controller died still runs there (default: fail at once, naming the holder)',
        (v) => positiveInt(v, '--lock-timeout'),
      )
      .option('--serial <sizes>', 'apply the selected hosts in batches, e.g. "1,25%,100%" (the last size repeats); overrides the groups\' serial', serialOption)
      .option('--max-fail-percentage <pct>', "stop before the next batch when more than this percentage of a batch failed (0: any failure); overrides the groups' max_fail_percentage", percentOption),
  )
    .addHelpText(
      'after',
      `
Examples:
  wpha apply -i lab                         # the built-in lab (its hosts are booted when down)
  wpha apply -i prod -l web --diff          # only the web group, showing file diffs
  wpha apply -i prod -t nginx -e php_memory_limit=512M
  wpha apply -i prod -l web --serial 1,25%,100% --max-fail-percentage 0
                                            # a canary host, then quarters; any failure stops before the next batch
  wpha apply -i prod --shard 2/4 --json --junit shard-2.xml > shard-2.jsonl
                                            # the 2nd of 4 parallel agents (merge with: wpha report merge)
  wpha apply -i prod -l web2 --lock-timeout 300   # wait for another apply, or a killed one's last step
  wpha apply -i prod -f 200 --connect-timeout 5 --round-trip-timeout 900
                                            # a large fleet: 200 hosts at once, a frozen host given up sooner (docs/fleet.md)
  wpha apply -i image --connection local    # the machine wpha runs on (an image being built), as you (docs/inventory.md)
Groups may set serial and max_fail_percentage in the inventory (see docs/rollout.md).
Exit status: 0 all hosts converged, 1 a host failed or was unreachable (or the rollout stopped), 130 interrupted.`,
    )
    .action(async (flags: ApplyFlags) => {
      process.exitCode = await apply(flags, 'apply');
    });

  common(
    program
      .command('plan')
      .description('Show what apply would change (apply --check --diff); nothing is changed on any host')
      .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when changes are pending, 1 on error'),
  )
    .addHelpText(
      'after',
      `
Examples:
  wpha plan -i prod --detailed-exitcode     # exit 2 when changes are pending (CI gate)
  wpha plan -i prod --shard 1/2 --json      # the first of two parallel agents
Tasks after a package install or a command are planned on the host's current state, which that
earlier change may alter: such lines carry a warning.`,
    )
    .action(async (flags: ApplyFlags) => {
      process.exitCode = await apply(flags, 'plan');
    });
}
