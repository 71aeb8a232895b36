/**
 * `command`: run a program with arguments, without a shell.
 *
 * `cmd` is a list of argv words, or a string split like a shell would split it but with nothing
 * interpreted (pipes, redirections, `$VAR`, globs and `~` are refused: use the list form to pass
 * such characters literally, or the `shell` op to use shell syntax).
 *
 * Like Ansible's command module, a command without `creates`, `removes` or `unless` ALWAYS runs
 * and is reported changed: wpha cannot know what it does. Give one of them to make the task
 * idempotent (e.g. `creates: /var/www/wp-config.php`). `stdin` is delivered through the stage
 * (never on a command line). A non-zero exit status fails the task.
 *
 * `register:` stores `{ rc, stdout, changed }`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { quote, sh } from '../shell/quote.js';
import { splitCommand } from './command-split.js';
import { applyGuards, asUser, contextLines, contextNote, execCommonFields, execRegisterValue, guardProbe, parseGuards, skipReason, type GuardState } from './exec-common.js';
import { joinSteps } from './lib/plan-file.js';
import type { OpModule, OpPlan, StagedFile } from './types.js';

export const commandArgs = once(() =>
  z
    .strictObject({
      cmd: z.union([z.string(), z.array(z.string()).min(1)]).describe('The program and its arguments: a list of words, or a string split on spaces (quotes group words; no shell syntax).'),
      ...execCommonFields(),
      stdin: z.string().optional().describe('Text fed to the command on standard input (staged as a file, never on a command line).'),
    })
    .transform((a, ctx) => {
      if (typeof a.cmd !== 'string') return { ...a, argv: a.cmd };
      const split = splitCommand(a.cmd);
      if (!split.ok) {
        ctx.addIssue({ code: 'custom', path: ['cmd'], message: split.error });
        return z.NEVER;
      }
      return { ...a, argv: split.argv };
    }),
);

export type CommandArgs = z.output<ReturnType<typeof commandArgs>>;

export function stagedText(text: string): StagedFile {
  const content = Buffer.from(text, 'utf8');
  return { sha256: createHash('sha256').update(content).digest('hex'), content };
}

/** Shown in summaries: the argv as it would be typed (quoted where needed). */
export function displayArgv(argv: string[]): string {
  return argv.map((w) => quote(w)).join(' ');
}

function planCommand(args: CommandArgs, state: GuardState): OpPlan {
  const why = skipReason(args, state);
  if (why) return { changed: false, summary: [] };
  const files: StagedFile[] = [];
  let input = '</dev/null';
  if (args.stdin !== undefined) {
    const f = stagedText(args.stdin);
    files.push(f);
    input = `<"$WPHA_STAGE/${f.sha256}"`;
  }
  const apply = joinSteps(...applyGuards(args), ...contextLines(args), `${asUser(args)}${sh`${args.argv}`} ${input}`);
  return {
    changed: true,
    summary: [`run ${displayArgv(args.argv)}${contextNote(args)}`],
    apply,
    ...(files.length ? { files } : {}),
  };
}

const commandOp: OpModule<CommandArgs, CommandArgs, GuardState> = {
  name: 'command',
  summary: 'Run a program with arguments (no shell); always changed unless creates/removes/unless say it is done.',
  get args() {
    return commandArgs();
  },
  barrier: true,
  resources: (args) => [args.creates, args.removes, args.chdir].filter((p): p is string => p !== undefined),
  probe: (args) => guardProbe(args),
  parse: (out) => parseGuards(out),
  plan: (args, state) => planCommand(args, state),
  registerValue: (result) => execRegisterValue(result),
};

export default commandOp;
