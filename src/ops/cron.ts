/**
 * `cron`: one scheduled job in its own file `/etc/cron.d/<name>` (root:root 0644, as cron
 * requires), written atomically. `state: absent` removes the file.
 *
 * A `%` in `job` is written as `\%`: cron would otherwise turn it into a newline and feed the
 * rest to the command's stdin (the classic `date +%F` surprise). Write `\%` yourself only if you
 * want that; it is kept as is. Nothing may contain a newline.
 *
 * The schedule is either the five fields (`minute`, `hour`, `day`, `month`, `weekday`; each
 * defaults to `*`) or `special_time` (`@daily`, `@reboot`, ...). `env` lines (e.g. MAILTO, PATH)
 * are written above the job and apply to it.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { fileStateProbe, parseFileState, type FileState } from './lib/file-state.js';
import { planFile, planFileAbsent, sha256Hex } from './lib/plan-file.js';
import { FILE_PRELUDE } from './lib/prelude.js';
import { accountName } from './group.js';
import { ENV_NAME } from './exec-common.js';
import type { OpModule, OpPlan, PlanContext } from './types.js';

const FIELD = /^[A-Za-z0-9*/,-]+$/;
const field = (what: string) =>
  z
    .union([z.string().regex(FIELD, `expected a cron ${what} field such as "*", "5", "*/10", "1-5" or "mon,wed"`), z.number().int().min(0)])
    .transform(String)
    .optional()
    .describe(`Cron ${what} field (default "*").`);

const noNewline = (what: string) => z.string().regex(/^[^\n\r]*$/, `${what} cannot contain a newline`);

export const cronArgs = once(() =>
  z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'expected a cron.d file name: letters, digits, "_" and "-" only (cron ignores names with dots)')
        .describe('Name of the job; the file is /etc/cron.d/<name>.'),
      minute: field('minute'),
      hour: field('hour'),
      day: field('day of month'),
      month: field('month'),
      weekday: field('day of week'),
      special_time: z.enum(['reboot', 'yearly', 'annually', 'monthly', 'weekly', 'daily', 'hourly']).optional().describe('Instead of the five fields: @reboot, @daily, ...'),
      user: accountName('user').default('root').describe('User the job runs as.'),
      job: noNewline('job').min(1).optional().describe('The command line (run by /bin/sh unless env sets SHELL).'),
      env: z
        .record(z.string().regex(ENV_NAME, 'expected an environment variable name'), z.union([noNewline('an env value'), z.number()]).transform(String))
        .optional()
        .describe('Variables set for the job, e.g. { MAILTO: "", PATH: "/usr/local/bin:/usr/bin:/bin" }.'),
      state: z.enum(['present', 'absent']).default('present').describe('Whether the job file exists.'),
    })
    .superRefine((a, ctx) => {
      if (a.state === 'present' && a.job === undefined) ctx.addIssue({ code: 'custom', path: ['job'], message: 'job is required with state: present' });
      if (a.special_time !== undefined)
        for (const f of ['minute', 'hour', 'day', 'month', 'weekday'] as const)
          if (a[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: `${f} cannot be combined with special_time` });
    }),
);

export type CronArgs = z.output<ReturnType<typeof cronArgs>>;

/** `%` -> `\%` unless already escaped. */
export function escapePercent(job: string): string {
  return job.replace(/(\\*)%/g, (m, slashes: string) => (slashes.length % 2 === 1 ? m : `${slashes}\\%`));
}

function envLine(name: string, value: string): string {
  // cron keeps a value literally; quotes are only needed to keep it empty or its outer blanks.
  return value === '' || value !== value.trim() ? `${name}="${value}"` : `${name}=${value}`;
}

export function cronFileContent(a: CronArgs): string {
  const when = a.special_time ? `@${a.special_time}` : [a.minute, a.hour, a.day, a.month, a.weekday].map((f) => f ?? '*').join(' ');
  const lines = [`# Managed by wpha (cron task "${a.name}"); changes made here are overwritten.`];
  for (const [k, v] of Object.entries(a.env ?? {})) lines.push(envLine(k, v));
  lines.push(`${when} ${a.user} ${escapePercent(a.job ?? '')}`);
  return `${lines.join('\n')}\n`;
}

const ATTRS = { mode: '0644', owner: 'root', group: 'root' };

/** The op for a cron directory (the default is the system's; tests point it at a temp folder). */
export function makeCronOp(dir = '/etc/cron.d'): OpModule<CronArgs, CronArgs, FileState> {
  const pathOf = (a: CronArgs) => `${dir}/${a.name}`;
  return {
    name: 'cron',
    summary: 'Schedule a job in its own /etc/cron.d file (or remove it).',
    get args() {
      return cronArgs();
    },
    prelude: FILE_PRELUDE,
    resources: (a) => [pathOf(a)],
    probe: (a, ctx) => fileStateProbe(pathOf(a), a.state === 'absent' ? { content: 'none' } : { content: ctx.diff ? 'if-differs' : 'sha', want: sha256Hex(cronFileContent(a)) }),
    parse: (out, a) => parseFileState(out, pathOf(a)),
    plan(a, state, ctx: PlanContext): OpPlan {
      if (a.state === 'absent') return planFileAbsent('cron', pathOf(a), state, ctx);
      const { contentChanged, attrsChanged: _, ...plan } = planFile({ op: 'cron', path: pathOf(a), content: Buffer.from(cronFileContent(a)), attrs: ATTRS }, state, ctx);
      // Say what the job is, not only that a file changes.
      if (contentChanged) plan.summary.unshift(`${state.type === 'absent' ? 'schedule' : 'reschedule'} "${a.name}": ${cronFileContent(a).split('\n').at(-2)}`);
      return plan;
    },
  };
}

export default makeCronOp();
