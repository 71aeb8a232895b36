/**
 * What `command` and `shell` share: the conditions that decide whether they run (`creates`,
 * `removes`, `unless`), the context they run in (`chdir`, `env`, `become_user`), and what
 * `register:` stores.
 *
 * `creates`/`removes` are checked by the probe AND again by the apply (cheap `[ -e ]` tests), so
 * a fragment is safe to run twice and sees files an earlier task created. `unless` runs only in
 * the probe (it may be expensive); the engine re-probes after any earlier change that could
 * matter (command and shell are barriers).
 *
 * Environment values are exported inside the script (which travels on the channel's stdin),
 * never put on a command line, so they do not show in `ps`. Commands never read the script's
 * stdin: it is /dev/null unless the op delivers its own.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { quote, sh } from '../shell/quote.js';
import { accountName } from './group.js';
import { UNCHANGED_MARKER, WARN_MARKER, type ProbeOutput } from './types.js';

const absolute = (what: string) => z.string().regex(/^\/[^\n\0]*$/, `expected an absolute ${what} path (starting with "/")`);

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const execCommonFields = once(() => ({
  chdir: absolute('directory').optional().describe('Directory to run in (must exist).'),
  creates: absolute('file').optional().describe('Skip when this path exists (the command creates it).'),
  removes: absolute('file').optional().describe('Skip when this path does NOT exist (the command removes it).'),
  unless: z
    .union([z.string().min(1), z.array(z.string()).min(1)])
    .optional()
    .describe(
      'A check run in the probe, with the same chdir/env/become_user: when it succeeds (exit 0) the task is already done and is skipped. ' +
        'A string runs with the shell, a list as an argv. It must only read: it also runs in check mode. Its text is visible in the process list while it runs.',
    ),
  env: z
    .record(z.string().regex(ENV_NAME, 'expected an environment variable name'), z.union([z.string(), z.number(), z.boolean()]).transform(String))
    .optional()
    .describe('Environment variables (values never appear on a command line).'),
  become_user: accountName('user').optional().describe('Run as this user (runuser -u) instead of root.'),
}));

/** The operations that take `become_user` (a task's `become_user` keyword becomes their argument). */
export const BECOME_USER_OPS: ReadonlySet<string> = new Set(['command', 'shell']);

export interface ExecCommon {
  chdir?: string;
  creates?: string;
  removes?: string;
  unless?: string | string[];
  env?: Record<string, string>;
  become_user?: string;
}

export interface GuardState {
  /** Whether `creates` / `removes` exist (undefined when not asked). */
  creates?: boolean;
  removes?: boolean;
  /** Exit status of `unless` (undefined when not asked). */
  unlessRc?: number;
}

/** Lines that set the working directory and environment (shared by probe and apply). */
export function contextLines(args: ExecCommon): string[] {
  // The usual umask, explicitly (not a private 077): files a command creates (a WordPress tree,
  // a dump) must be readable by the services that use them, as when run from a login shell.
  const lines: string[] = ['umask 022'];
  if (args.chdir) lines.push(sh`cd -- ${args.chdir}`);
  for (const [k, v] of Object.entries(args.env ?? {})) lines.push(`export ${k}=${quote(v)}`);
  return lines;
}

/** `runuser -u USER --` when running as another user, else nothing. */
export function asUser(args: ExecCommon): string {
  return args.become_user ? sh`runuser -u ${args.become_user} -- ` : '';
}

/** Probe lines for the conditions; `shellPath` runs a string `unless`. Empty when none is set. */
export function guardProbe(args: ExecCommon, shellPath = '/bin/sh'): string {
  const lines: string[] = [];
  if (args.creates) lines.push(sh`if [ -e ${args.creates} ]; then echo creates=1; else echo creates=0; fi`);
  if (args.removes) lines.push(sh`if [ -e ${args.removes} ]; then echo removes=1; else echo removes=0; fi`);
  if (args.unless !== undefined) {
    const cmd = typeof args.unless === 'string' ? sh`${shellPath} -c ${args.unless}` : sh`${args.unless}`;
    // Its own subshell: cd/export stay inside; its output is not part of the probe's answer.
    const inner = [...contextLines(args).slice(1), `${asUser(args)}${cmd}`].join(' && ');
    lines.push(`( ${inner} ) </dev/null >/dev/null 2>&1 && echo unless=0 || echo "unless=$?"`);
  }
  return lines.length ? lines.join('\n') : ':';
}

export function parseGuards(out: ProbeOutput): GuardState {
  const state: GuardState = {};
  for (const line of out.stdout.split('\n')) {
    const m = /^(creates|removes|unless)=(\d+)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'unless') state.unlessRc = Number(m[2]);
    else state[m[1] as 'creates' | 'removes'] = m[2] === '1';
  }
  return state;
}

/** Why the task is already done, or null when it must run. */
export function skipReason(args: ExecCommon, state: GuardState): string | null {
  if (args.creates && state.creates === true) return `"${args.creates}" exists`;
  if (args.removes && state.removes === false) return `"${args.removes}" does not exist`;
  if (args.unless !== undefined && state.unlessRc === 0) return 'the unless check succeeded';
  return null;
}

/** Apply lines that re-check creates/removes on the host and end the fragment unchanged. */
export function applyGuards(args: ExecCommon): string[] {
  const lines: string[] = [];
  if (args.creates) lines.push(sh`if [ -e ${args.creates} ]; then echo ${UNCHANGED_MARKER}; exit 0; fi`);
  if (args.removes) lines.push(sh`if [ ! -e ${args.removes} ]; then echo ${UNCHANGED_MARKER}; exit 0; fi`);
  return lines;
}

/** Human suffix: ` as www-data in /var/www with env A, B`. */
export function contextNote(args: ExecCommon): string {
  const parts: string[] = [];
  if (args.become_user) parts.push(`as ${args.become_user}`);
  if (args.chdir) parts.push(`in ${args.chdir}`);
  const names = Object.keys(args.env ?? {});
  if (names.length) parts.push(`with env ${names.join(', ')}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/** `register:` value: rc, stdout without the engine's marker lines, changed. */
export function execRegisterValue(result: { changed: boolean; rc: number; output: string }): Record<string, unknown> {
  const lines = result.output.split('\n').filter((l) => !l.startsWith(UNCHANGED_MARKER) && !l.startsWith(WARN_MARKER));
  return { rc: result.rc, stdout: lines.join('\n').replace(/\n$/, ''), changed: result.changed };
}
