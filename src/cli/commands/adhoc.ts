/** `wpha run` (an ad-hoc command on hosts) and `wpha facts` (what the engine knows about hosts). */
import type { Command } from 'commander';
import { secretsRedactor } from '../../engine/load.js';
import { eachHost } from '../../engine/each-host.js';
import { parseFacts } from '../../engine/facts-probe.js';
import { ExitCode } from '../../errors.js';
import { ensureLabHosts } from '../lab-hosts.js';
import { loadInventoryFor } from '../load.js';
import { addHostOptions, hostTimeouts, type HostCommandOptions } from '../options.js';
import { promptHidden } from '../prompt.js';

export function register(program: Command): void {
  addHostOptions(program.command('run <command>'))
    .description('Run a shell command on hosts (as root through become), with output per host')
    .addHelpText(
      'after',
      `
The command travels to each host on the SSH channel's stdin, not as an argument.
Examples:
  wpha run -i prod -l web 'systemctl is-active nginx php8.2-fpm'
  wpha run -i lab 'df -h /'
  wpha run -i image --connection local 'uname -a'   # on the machine wpha runs on, as you`,
    )
    .action(async (command: string, flags: HostCommandOptions) => {
      const { inv, hosts } = await loadInventoryFor(flags);
      if (!flags.connection) await ensureLabHosts(inv);
      const redactor = secretsRedactor(inv);
      const becomePassword = flags.askBecomePass ? await promptHidden('sudo password: ') : undefined;
      let failed = false;
      await eachHost(
        inv,
        { hosts, forks: flags.forks, ...hostTimeouts(flags), acceptNewHostKeys: Boolean(flags.acceptNewHostKeys), ...(becomePassword ? { becomePassword } : {}) },
        async (remote) => {
          const r = await remote.run({ preludes: [], staged: [], applies: [{ id: 'cmd', fragment: command, notifyFlags: [] }], facts: false, probes: [] });
          const res = r.applies[0];
          // Warnings say when the output was longer than what a step keeps (its last 1 MiB).
          const notes = (res?.warnings ?? []).map((w) => `\nwarning: ${w}`).join('');
          return { rc: res?.rc ?? r.exitCode, out: `${res?.stdout ?? ''}${res?.stderr ? `${res.stdout ? '\n' : ''}${res.stderr}` : ''}`.replace(/\n$/, '') + notes };
        },
        (o) => {
          if (!o.ok) {
            failed = true;
            process.stdout.write(redactor.redact(`${o.host} | UNREACHABLE | ${o.error}\n`));
            return;
          }
          if (o.value.rc !== 0) failed = true;
          const body = o.value.out
            ? `\n${o.value.out
                .split('\n')
                .map((l) => `${o.host} | ${l}`)
                .join('\n')}`
            : '';
          process.stdout.write(redactor.redact(`${o.host} | rc=${o.value.rc}${body}\n`));
        },
      );
      process.exitCode = failed ? ExitCode.failed : ExitCode.ok;
    });

  addHostOptions(program.command('facts'))
    .description('Gather and print the facts tasks and templates see as `facts.*` (JSON per host)')
    .action(async (flags: HostCommandOptions) => {
      const { inv, hosts } = await loadInventoryFor(flags);
      if (!flags.connection) await ensureLabHosts(inv);
      const outcomes = await eachHost(inv, { hosts, forks: flags.forks, ...hostTimeouts(flags), acceptNewHostKeys: Boolean(flags.acceptNewHostKeys) }, async (remote) => {
        const r = await remote.run({ preludes: [], staged: [], applies: [], facts: true, probes: [] });
        return parseFacts(r.probes.get('facts')?.stdout ?? '');
      });
      const out: Record<string, unknown> = {};
      for (const o of outcomes.sort((a, b) => a.host.localeCompare(b.host))) out[o.host] = o.ok ? o.value : { unreachable: o.error };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      process.exitCode = outcomes.every((o) => o.ok) ? ExitCode.ok : ExitCode.failed;
    });
}
