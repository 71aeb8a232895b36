/** `wpha apply` and `wpha plan`: converge hosts to the roles their groups get (or only show what would change). */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { runLogger, runLogFile } from '../../report/run-log.js';
import { loadForRun } from '../../engine/load.js';
import { runPlay } from '../../engine/run.js';
import { ExitCode } from '../../errors.js';
import { passphrasesFor } from '../../vault/actions.js';
import { addHostOptions, chooseReporters, interruptController, positiveInt, promptHidden, type HostCommandOptions } from '../options.js';

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
}

const list = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export async function apply(flags: ApplyFlags, mode: 'apply' | 'plan'): Promise<number> {
  const check = mode === 'plan' || Boolean(flags.check);
  const diff = mode === 'plan' || Boolean(flags.diff);
  const inv = await loadForRun({ inventory: flags.inventory, extraVars: flags.extraVars, passphrases: passphrasesFor(flags, { cwd: process.cwd(), env: process.env, err: (s) => void process.stderr.write(s), ...(process.stdin.isTTY ? { prompt: promptHidden } : {}) }) });
  const becomePassword = flags.askBecomePass ? await promptHidden('sudo password: ') : undefined;
  const runId = randomBytes(6).toString('hex');
  const reporting = chooseReporters({ json: flags.json, ...(flags.junit ? { junit: flags.junit } : {}), diff, verbose: flags.verbose });
  const interrupt = interruptController();
  try {
    const s = await runPlay(inv, {
      ...(flags.limit ? { limit: flags.limit } : {}),
      tags: flags.tags,
      skipTags: flags.skipTags,
      check,
      diff,
      forks: flags.forks,
      forceHandlers: Boolean(flags.forceHandlers),
      ...(flags.lockTimeout ? { lockTimeoutSeconds: flags.lockTimeout } : {}),
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
      .option('--lock-timeout <seconds>', 'wait this long for a host another apply holds, or for the step an apply whose controller died still runs there (default: fail at once, naming the holder)', (v) => positiveInt(v, '--lock-timeout')),
  )
    .addHelpText('after', `
Examples:
  wpha apply -i lab                         # the built-in lab (its hosts are booted when down)
  wpha apply -i prod -l web --diff          # only the web group, showing file diffs
  wpha apply -i prod -t nginx -e php_memory_limit=512M
  wpha apply -i prod -l web2 --lock-timeout 300   # wait for another apply, or a killed one's last step
Exit status: 0 all hosts converged, 1 a host failed or was unreachable, 130 interrupted.`)
    .action(async (flags: ApplyFlags) => {
      process.exitCode = await apply(flags, 'apply');
    });

  common(
    program
      .command('plan')
      .description('Show what apply would change (apply --check --diff); nothing is changed on any host')
      .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when changes are pending, 1 on error'),
  )
    .addHelpText('after', `
Tasks after a package install or a command are planned on the host's current state, which that
earlier change may alter: such lines carry a warning.`)
    .action(async (flags: ApplyFlags) => {
      process.exitCode = await apply(flags, 'plan');
    });
}
