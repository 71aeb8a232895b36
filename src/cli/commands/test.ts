/** `wpha test ROLE...`: a role's scenario on fresh lab hosts: converge, converge again (0 changed), verify, destroy. */
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { runTests } from '../../scenario/run.js';
import { DEFAULT_SCENARIO } from '../../scenario/load.js';
import { interruptController } from '../options.js';

interface TestFlags {
  scenario: string;
  all?: boolean;
  keep?: boolean;
  share: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  program
    .command('test')
    .argument('[roles...]', 'roles whose scenario to run (roles/<name>/tests/<scenario>.yaml, in ./roles or the shipped roles)')
    .description("Test roles as molecule does, on fresh lab hosts: converge, converge again (must change nothing), verify the scenario's checks, destroy")
    .option('-s, --scenario <name>', 'scenario to run', DEFAULT_SCENARIO)
    .option('--all', 'every role that has this scenario')
    .option('--keep', 'leave the hosts up afterwards to look around (remove them with `wpha lab destroy`)')
    .option('--no-share', 'run every scenario on hosts of its own, even those marked share: true')
    .option('-v, --verbose', 'print every changed task of each converge, and lab messages')
    .addHelpText(
      'after',
      `
Examples:
  wpha test nginx                     # roles/nginx/tests/default.yaml
  wpha test galera --scenario two-nodes --keep
  wpha test php_fpm nginx wordpress   # shared scenarios converge once, on the same hosts
  wpha test --all                     # every role's default scenario (what CI runs)

A scenario (see docs/testing-roles.md, schema in schemas/scenario.schema.json) names the hosts to
boot (1-4), the roles and variables to converge them with, and checks: commands (exit status,
output), HTTP requests made on the host (status, body, headers, Host header), files (exists,
mode, owner, content) and listening ports. "kind: render" scenarios boot nothing: they check the
files the roles would write (for software the lab cannot run).
Needs root (the lab). Exit status: 0 every scenario passed, 1 one failed, 65 a scenario or the
inventory it makes is invalid (nothing booted), 64 usage.`,
    )
    .action(async (roles: string[], flags: TestFlags) => {
      const interrupt = interruptController();
      try {
        const ok = await runTests({
          roles,
          all: Boolean(flags.all),
          scenario: flags.scenario,
          keep: Boolean(flags.keep),
          share: flags.share,
          verbose: Boolean(flags.verbose),
          cwd: process.cwd(),
          say: (s) => void process.stdout.write(`${s}\n`),
          signal: interrupt.signal,
        });
        process.exitCode = interrupt.signal.aborted ? ExitCode.interrupted : ok ? ExitCode.ok : ExitCode.failed;
      } finally {
        interrupt.dispose();
      }
    });
}
