/** The command-line entry: parses argv with commander and dispatches to one file per command. */
import { Command, CommanderError } from 'commander';
import { WphaError, ExitCode } from '../errors.js';
import { commandModules } from './commands/index.js';

export async function run(argv: string[]): Promise<number> {
  const program = new Command('wpha')
    .description('Provision highly-available WordPress / WooCommerce over SSH, from typed inventories and declarative roles.')
    .exitOverride()
    .showHelpAfterError();
  for (const load of commandModules) (await load()).register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : ExitCode.usage;
    if (err instanceof WphaError) {
      process.stderr.write(`wpha: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`wpha: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return ExitCode.internal;
  }
}
