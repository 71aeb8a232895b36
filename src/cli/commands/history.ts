/** `wpha history`: the local audit trail of applies and plans. */
import type { Command } from 'commander';
import { readRunLog, runLogFile, formatRecord } from '../../report/run-log.js';
import { positiveInt } from '../options.js';

export function register(program: Command): void {
  program
    .command('history')
    .description('Show past runs from the local run log (who, when, inventory, what changed, result; no secrets)')
    .option('-n, --last <n>', 'how many runs to show', (v) => positiveInt(v, '--last'), 20)
    .option('-i, --inventory <name>', 'only runs of this inventory')
    .option('--json', 'the records as JSON lines')
    .addHelpText('after', `\nThe log is ${runLogFile()} (set XDG_STATE_HOME to move it).`)
    .action((opts: { last: number; inventory?: string; json?: boolean }) => {
      const records = readRunLog(runLogFile())
        .filter((r) => !opts.inventory || r.inventory === opts.inventory)
        .slice(-opts.last);
      if (records.length === 0) return void process.stdout.write('No runs recorded yet.\n');
      for (const r of records) process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${formatRecord(r)}\n`);
    });
}
