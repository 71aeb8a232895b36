/**
 * `systemd_timer`: a scheduled job as a pair of units, the modern replacement for a cron line.
 * Writes /etc/systemd/system/<name>.service (Type=oneshot running `exec_start`) and
 * /etc/systemd/system/<name>.timer, reloads systemd when either changed, then enables and starts
 * the timer (the service itself is only started by the timer).
 *
 *   - name: Warm the page cache every 15 minutes
 *     systemd_timer:
 *       name: cache-warmer
 *       on_calendar: "*:0/15"
 *       exec_start: /usr/local/bin/warm --since "$(date +%H:%M)"
 *       user: www-data
 *
 * `%` is a specifier in unit files: it is escaped to `%%` in exec_start, description and
 * environment values, so write commands exactly as in a shell script (`date +%Y%m%d`). exec_start
 * is not run by a shell: wrap it as `/bin/sh -c '...'` when it needs pipes or `$(...)`.
 * `persistent` (default true) runs a missed job at the next boot. Timers default to
 * AccuracySec=1min in systemd; set `accuracy_sec: 1s` when the minute matters.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import {
  escapeSpecifiers,
  FILE_PRELUDE,
  joinSteps,
  parseFileState,
  parseUnitState,
  planFile,
  planUnitState,
  sectionMarker,
  sha256Hex,
  splitSections,
  UNIT_DIR,
  unitStateProbe,
  type FileState,
  type UnitState,
} from './lib/index.js';
import { unitFileProbe } from './systemd_unit.js';
import type { OpModule, OpPlan } from './types.js';

const oneLine = once(() =>
  z
    .string()
    .min(1)
    .refine((s) => !/[\r\n\0]/.test(s), { message: 'must be a single line' }),
);
const timeSpan = once(() => z.string().regex(/^[0-9][0-9a-z. ]*$/, { message: 'must be a systemd time span such as "30s", "5min", "1h 30min"' }));

const systemdTimerArgs = once(() =>
  z
    .object({
      name: z
        .string()
        .regex(/^[A-Za-z0-9:_@-][A-Za-z0-9:_.@-]*$/, { message: 'must be a unit base name such as "cache-warmer" (letters, digits, ":_.@-")' })
        .refine((n) => !/\.(service|timer)$/.test(n), { message: 'give the base name without .service/.timer; both units are written' })
        .describe('Base name: <name>.service and <name>.timer are written.'),
      on_calendar: z.union([oneLine(), z.array(oneLine()).min(1)]).describe('OnCalendar= expression(s), e.g. "daily", "*:0/15", "Mon..Fri 03:00". Check one with `systemd-analyze calendar`.'),
      exec_start: z.union([oneLine(), z.array(oneLine()).min(1)]).describe('Command line(s) to run (ExecStart=, not a shell; several run in order). % is escaped for you.'),
      description: oneLine().optional().describe('Description= of both units (default: "<name> (wpha timer)").'),
      user: oneLine().optional().describe('User= the job runs as (default root).'),
      group: oneLine().optional().describe('Group= the job runs as.'),
      working_directory: oneLine().optional().describe('WorkingDirectory= of the job.'),
      environment: z
        .record(
          z.string(),
          z.string().refine((v) => !/[\r\n\0]/.test(v), { message: 'must be a single line' }),
        )
        .superRefine((env, ctx) => {
          for (const key of Object.keys(env)) {
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" must be an environment variable name` });
          }
        })
        .optional()
        .describe('Environment variables of the job.'),
      persistent: z.boolean().default(true).describe('Persistent=: run a missed job when the host comes back up.'),
      accuracy_sec: timeSpan().optional().describe('AccuracySec= (systemd default 1min).'),
      randomized_delay_sec: timeSpan().optional().describe('RandomizedDelaySec=: spread runs of many hosts.'),
    })
    .strict(),
);

export type SystemdTimerArgs = z.output<ReturnType<typeof systemdTimerArgs>>;

/** The first line of both unit files: how systemd_timer_prune tells the timers wpha wrote. */
export const TIMER_HEADER = '# Written by wpha (systemd_timer); local changes are overwritten.';

/** `"KEY=value"` with systemd's double-quote escaping, then specifier escaping. */
function envAssignment(key: string, value: string): string {
  return escapeSpecifiers(`"${`${key}=${value}`.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
}

/** The two unit files, as text. Pure. */
export function renderTimerUnits(a: SystemdTimerArgs): { service: string; timer: string } {
  const description = escapeSpecifiers(a.description ?? `${a.name} (wpha timer)`);
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  const header = `${TIMER_HEADER}\n`;
  const service = [
    header,
    '[Unit]',
    `Description=${description}`,
    '',
    '[Service]',
    'Type=oneshot',
    ...(a.user ? [`User=${escapeSpecifiers(a.user)}`] : []),
    ...(a.group ? [`Group=${escapeSpecifiers(a.group)}`] : []),
    ...(a.working_directory ? [`WorkingDirectory=${escapeSpecifiers(a.working_directory)}`] : []),
    ...Object.entries(a.environment ?? {}).map(([k, v]) => `Environment=${envAssignment(k, v)}`),
    ...list(a.exec_start).map((c) => `ExecStart=${escapeSpecifiers(c)}`),
    '',
  ].join('\n');
  const timer = [
    header,
    '[Unit]',
    `Description=${description}`,
    '',
    '[Timer]',
    ...list(a.on_calendar).map((c) => `OnCalendar=${c}`),
    `Persistent=${a.persistent ? 'true' : 'false'}`,
    ...(a.accuracy_sec ? [`AccuracySec=${a.accuracy_sec}`] : []),
    ...(a.randomized_delay_sec ? [`RandomizedDelaySec=${a.randomized_delay_sec}`] : []),
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { service, timer };
}

interface UnitFile {
  path: string;
  content: Buffer;
  sha256: string;
}

export interface SystemdTimerPrepared {
  name: string;
  service: UnitFile;
  timer: UnitFile;
}

export interface SystemdTimerState {
  service: FileState;
  timer: FileState;
  unit: UnitState;
}

const unitFile = (path: string, text: string): UnitFile => ({ path, content: Buffer.from(text), sha256: sha256Hex(text) });
const UNIT_ATTRS = { mode: '0644', owner: 'root', group: 'root' };

const systemdTimerOp: OpModule<SystemdTimerArgs, SystemdTimerPrepared, SystemdTimerState> = {
  name: 'systemd_timer',
  summary: 'Schedule a job with a systemd .service + .timer pair (written, reloaded, timer enabled and started).',
  prelude: FILE_PRELUDE,
  get args() {
    return systemdTimerArgs();
  },
  prepare(a) {
    const { service, timer } = renderTimerUnits(a);
    return { name: a.name, service: unitFile(`${UNIT_DIR}/${a.name}.service`, service), timer: unitFile(`${UNIT_DIR}/${a.name}.timer`, timer) };
  },
  resources: (a) => [a.service.path, a.timer.path, `unit:${a.name}.service`, `unit:${a.name}.timer`],
  probe: (a, ctx) =>
    [
      unitFileProbe(a.service.path, a.service.sha256, ctx.diff),
      sectionMarker('timer'),
      unitFileProbe(a.timer.path, a.timer.sha256, ctx.diff),
      sectionMarker('unit'),
      unitStateProbe(`${a.name}.timer`),
    ].join('\n'),
  parse(out, a) {
    const parts = splitSections(out.stdout);
    return {
      service: parseFileState({ stdout: parts.get('') ?? '', rc: out.rc }, a.service.path),
      timer: parseFileState({ stdout: parts.get('timer') ?? '', rc: out.rc }, a.timer.path),
      unit: parseUnitState(parts.get('unit') ?? ''),
    };
  },
  plan(a, s, ctx): OpPlan {
    const files = [
      planFile({ op: 'systemd_timer', path: a.service.path, content: a.service.content, attrs: UNIT_ATTRS }, s.service, ctx),
      planFile({ op: 'systemd_timer', path: a.timer.path, content: a.timer.content, attrs: UNIT_ATTRS }, s.timer, ctx),
    ];
    const timerName = `${a.name}.timer`;
    const unit = planUnitState('systemd_timer', timerName, { enabled: true, state: 'started' }, s.unit, { fileChanged: files.some((f) => f.contentChanged), hasInstall: true }, ctx);
    const changedFiles = files.filter((f) => f.changed);
    if (changedFiles.length === 0 && unit.commands.length === 0) return { changed: false, summary: [] };
    const plan: OpPlan = {
      changed: true,
      summary: [...changedFiles.flatMap((f) => f.summary), ...unit.summary],
      apply: joinSteps(...changedFiles.map((f) => f.apply ?? ''), ...unit.commands),
    };
    const staged = changedFiles.flatMap((f) => f.files ?? []);
    if (staged.length) plan.files = staged;
    const diffs = changedFiles.flatMap((f) => (f.diff ? [f.diff] : []));
    if (diffs.length) plan.diff = diffs.join('');
    const warnings = changedFiles.flatMap((f) => f.warnings ?? []);
    if (warnings.length) plan.warnings = warnings;
    return plan;
  },
};

export default systemdTimerOp;
