/** `wpha report merge`: one --json or --junit report from those of several shards (parallel agents). */
import type { Command } from 'commander';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { mergeJsonReports, mergeJunitReports } from '../../report/merge.js';

interface MergeFlags {
  json?: boolean;
  junit?: boolean;
  output: string;
}

export function merge(files: string[], flags: MergeFlags): number {
  if (Boolean(flags.json) === Boolean(flags.junit)) throw new UserError('Merge reports: give exactly one of --json and --junit');
  const reports = files.map((f) => {
    try {
      return { name: f, text: readFileSync(f, 'utf8') };
    } catch (e) {
      throw new UserError(`Cannot read report "${f}": ${(e as Error).message}`);
    }
  });
  const text = flags.json ? mergeJsonReports(reports) : mergeJunitReports(reports);
  if (flags.output === '-') process.stdout.write(text);
  else {
    // Written whole or not at all: a CI step reading it never sees half a report.
    const tmp = path.join(path.dirname(flags.output), `.${path.basename(flags.output)}.tmp-${process.pid}`);
    writeFileSync(tmp, text);
    renameSync(tmp, flags.output);
  }
  return 0;
}

export function register(program: Command): void {
  const report = program.command('report').description('Work with run reports (--json, --junit files)');
  report
    .command('merge')
    .description('Merge the reports of the shards of one run (wpha apply|plan --shard i/n on parallel agents) into one')
    .argument('<files...>', 'reports to merge: --json outputs, or --junit files')
    .option('--json', 'the files are --json event streams')
    .option('--junit', 'the files are --junit XML reports')
    .requiredOption('-o, --output <file>', 'where to write the merged report ("-" for stdout)')
    .addHelpText(
      'after',
      `
Examples:
  wpha report merge --junit shard-1.xml shard-2.xml -o wpha.xml
  wpha report merge --json shard-*.jsonl -o wpha.jsonl
Refused (exit 65, nothing written): a host in two reports (the shards overlapped), a --json
report without its run-done event (that run did not finish), a missing or repeated shard i/n,
reports of different inventories, plans mixed with applies.`,
    )
    .action((files: string[], flags: MergeFlags) => {
      process.exitCode = merge(files, flags);
    });
}
