/** The command-line entry: parses argv with commander and dispatches to one file per command. */
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { WphaError, ExitCode } from '../errors.js';
import { commandFiles, commandModules } from './commands/index.js';
import { readFileSync } from 'node:fs';
import { projectRoot } from '../paths.js';
import path from 'node:path';

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

// zod compiles a parser per object schema (new Function) the first time it parses with it: worth
// it for schemas parsed millions of times, not for a CLI that parses each inventory and role file
// once. Interpreted parsing saves ~15-25 ms of start-up (docs/startup.md); set before any schema
// is built (the command modules, which build them, are loaded below).
z.config({ jitless: true });

export async function run(argv: string[]): Promise<number> {
  const program = new Command('wpha')
    .description('Provision highly-available WordPress / WooCommerce over SSH, from typed inventories and declarative roles.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Start here:
  wpha lab up                     boot the built-in lab (Debian 12 hosts on this machine)
  wpha plan -i lab                what would change, with diffs (changes nothing)
  wpha apply -i lab               converge the lab: WordPress behind two HAProxy/keepalived fronts
  wpha apply -i prod -l web -D    only the web group of another inventory, with diffs

Inventories live in inventories/<name>/ (see docs/inventory.md), roles in roles/<name>/
(see docs/roles.md), secrets in the vault (see docs/vault.md). Every command has --help.`,
    );
  const name = argv.find((a) => !a.startsWith('-'));
  const only = name !== undefined && Object.hasOwn(commandFiles, name) ? commandFiles[name] : undefined;
  for (const load of only ? [only] : commandModules) (await load()).register(program);
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
