/**
 * `shell`: run a shell script.
 *
 * The script text is staged as a file and run with `sh FILE` (or `executable`), so it never
 * appears on a command line or in `ps`. With `become_user`, a copy readable only by that user is
 * made in /tmp for the run and removed afterwards (the stage is root's). The script reads
 * /dev/null on stdin and runs without `set -e` unless it sets it itself (use `set -eu` at its top
 * for fail-fast scripts).
 *
 * Like `command`, a script without `creates`, `removes` or `unless` ALWAYS runs and is reported
 * changed. A non-zero exit status fails the task. `register:` stores `{ rc, stdout, changed }`.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { raw, sh } from '../shell/quote.js';
import { stagedText } from './command.js';
import { applyGuards, contextLines, contextNote, execCommonFields, execRegisterValue, guardProbe, parseGuards, skipReason, type GuardState } from './exec-common.js';
import { joinSteps } from './lib/plan-file.js';
import type { OpModule, OpPlan } from './types.js';

export const shellArgs = once(() =>
  z.strictObject({
    cmd: z.string().min(1).describe('The script (any number of lines of shell).'),
    executable: z
      .string()
      .regex(/^\/[^\s]+$/, 'expected the absolute path of a shell, e.g. /bin/bash')
      .default('/bin/sh')
      .describe('Shell that runs the script (and a string `unless`).'),
    ...execCommonFields(),
  }),
);

export type ShellArgs = z.output<ReturnType<typeof shellArgs>>;

/** First line of the script, shortened, for the summary. */
export function scriptHeadline(script: string): string {
  const lines = script.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const first = (lines[0] ?? '').trim();
  const short = first.length > 72 ? `${first.slice(0, 69)}...` : first;
  return lines.length > 1 ? `${short} (+${lines.length - 1} more lines)` : short;
}

function runLines(args: ShellArgs, stagePath: string): string[] {
  const staged = raw(`"${stagePath}"`);
  if (!args.become_user) return [sh`${args.executable} ${staged} </dev/null`];
  const copy = raw('"$wpha_script"');
  return [
    'wpha_script=$(mktemp /tmp/wpha-shell.XXXXXXXXXX)',
    sh`cat ${staged} > ${copy}`,
    sh`chown -- ${args.become_user} ${copy}`,
    'wpha_rc=0',
    sh`runuser -u ${args.become_user} -- ${args.executable} ${copy} </dev/null || wpha_rc=$?`,
    sh`rm -f -- ${copy}`,
    'if [ "$wpha_rc" -ne 0 ]; then exit "$wpha_rc"; fi',
  ];
}

function planShell(args: ShellArgs, state: GuardState): OpPlan {
  if (skipReason(args, state)) return { changed: false, summary: [] };
  const script = stagedText(args.cmd);
  const stagePath = `$WPHA_STAGE/${script.sha256}`;
  return {
    changed: true,
    summary: [`run script: ${scriptHeadline(args.cmd)}${contextNote(args)}`],
    apply: joinSteps(...applyGuards(args), ...contextLines(args), ...runLines(args, stagePath)),
    files: [script],
  };
}

const shellOp: OpModule<ShellArgs, ShellArgs, GuardState> = {
  name: 'shell',
  summary: 'Run a shell script (staged as a file); always changed unless creates/removes/unless say it is done.',
  get args() {
    return shellArgs();
  },
  barrier: true,
  resources: (args) => [args.creates, args.removes, args.chdir].filter((p): p is string => p !== undefined),
  probe: (args) => guardProbe(args, args.executable),
  parse: (out) => parseGuards(out),
  plan: (args, state) => planShell(args, state),
  registerValue: (result) => execRegisterValue(result),
};

export default shellOp;
