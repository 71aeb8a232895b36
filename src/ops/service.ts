/**
 * `service`: start, stop, restart or reload a systemd unit, and enable or disable it at boot.
 *
 * The probe is ONE `systemctl show` call. `restarted` and `reloaded` always change (they are
 * what handlers use); `reloaded` starts the unit when it is not running. After a start or restart
 * the apply checks that the unit is active (waiting up to 10 s while it is still activating) and
 * otherwise fails with the unit's last journal lines; a failing systemctl call shows them too.
 *
 * A unit that does not exist is an error, except when it only has to be stopped or disabled
 * (then there is nothing to do; a warning says so). Static, generated and transient units cannot
 * be enabled or disabled: `enabled` is satisfied for them either way. When the unit file changed
 * on disk since systemd last read it, the apply runs `systemctl daemon-reload` first.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { OperationError } from '../errors.js';
import { sh } from '../shell/quote.js';
import { joinSteps } from './lib/plan-file.js';
import { unitLastWords } from './lib/systemd.js';
import { UNIT_SHOW_FN } from './lib/unit-prefetch.js';
import { TIME_START, timeEnd, type OpModule, type OpPlan, type PlanContext, type ProbeOutput } from './types.js';

const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]+$/;
const UNIT_SUFFIX = /\.(service|socket|timer|target|mount|automount|path|swap|slice|scope|device)$/;

export const serviceArgs = once(() =>
  z
    .strictObject({
      name: z
        .string()
        .regex(UNIT_NAME, 'expected a systemd unit name (letters, digits, ":", "_", ".", "\\", "@", "-")')
        .describe('Unit name; `.service` is added when it has no unit suffix (`nginx` -> `nginx.service`).'),
      state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional().describe('started/stopped: the unit is (not) running. restarted/reloaded: always done (for handlers).'),
      enabled: z.boolean().optional().describe('Whether the unit starts at boot (systemctl enable/disable).'),
    })
    .refine((a) => a.state !== undefined || a.enabled !== undefined, { message: 'set state, enabled, or both', path: ['state'] }),
);

export type ServiceArgs = z.output<ReturnType<typeof serviceArgs>>;

export function unitName(name: string): string {
  return UNIT_SUFFIX.test(name) ? name : `${name}.service`;
}

export interface ServiceState {
  /** Properties from `systemctl show` (LoadState, ActiveState, SubState, UnitFileState, NeedDaemonReload, DropInPaths). */
  props: Record<string, string>;
  /** Drop-in files in /etc and /run's `<unit>.d/` folders. */
  dropInsOnDisk: string[];
  /** Other lines (systemctl errors such as "System has not been booted with systemd"). */
  messages: string[];
}

export function parseServiceProbe(out: ProbeOutput): ServiceState {
  const state: ServiceState = { props: {}, dropInsOnDisk: [], messages: [] };
  for (const line of out.stdout.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m?.[1] === 'DropInOnDisk') state.dropInsOnDisk.push(m[2]!);
    else if (m) state.props[m[1]!] = m[2]!;
    else if (line.trim()) state.messages.push(line.trim());
  }
  return state;
}

/** `systemctl is-enabled` answers 0 for these: enable has nothing (more) to do. */
const ENABLED_OK = new Set(['enabled', 'alias', 'static', 'indirect', 'generated', 'transient']);
/** Nothing starts these at boot (or they cannot be disabled): disable has nothing to do. */
const DISABLED_OK = new Set(['disabled', 'static', 'indirect', 'generated', 'transient', 'masked', 'masked-runtime', 'linked', 'linked-runtime', 'bad', '']);
const RUNNING = new Set(['active', 'reloading']);

/**
 * wpha_unit_run UNIT ARGS...: `systemctl ARGS...`; when it fails, the unit's last journal lines
 * follow systemctl's own message ("Job for X failed...") on stderr.
 * wpha_unit_verify UNIT WHAT: waits while the unit is activating (max 10 s); fails with its
 * journal when it is not active.
 */
const SERVICE_PRELUDE = `wpha_unit_run() {
  _wpuu=$1; shift
  systemctl "$@" && return 0
  _wpurc=$?
  echo "systemctl $* failed; last journal lines of $_wpuu:" >&2
  ${unitLastWords('"$_wpuu"', 20)}
  return "$_wpurc"
}
wpha_unit_verify() {
  _wpun=0
  while :; do
    _wpus=$(systemctl is-active -- "$1" 2>/dev/null) || :
    case $_wpus in
      active) return 0 ;;
      activating|reloading)
        if [ "$_wpun" -lt 20 ]; then _wpun=$((_wpun + 1)); sleep 0.5; continue; fi ;;
    esac
    [ -n "$_wpus" ] || _wpus=unknown
    echo "unit \\"$1\\" is not active after $2 (state: $_wpus); its last journal lines:" >&2
    ${unitLastWords('"$1"', 20)}
    return 1
  done
}`;

function fail(ctx: PlanContext, message: string): never {
  throw new OperationError(ctx.host, 'service', `Cannot plan "service" on host "${ctx.host}": ${message}`);
}

function planService(args: ServiceArgs, state: ServiceState, ctx: PlanContext): OpPlan {
  const unit = unitName(args.name);
  const load = state.props.LoadState;
  if (load === undefined) {
    const why = state.messages.join(' ') || 'systemctl printed nothing';
    fail(ctx, `cannot read the state of unit "${unit}" (is systemd running?): ${why}`);
  }
  const active = state.props.ActiveState ?? 'unknown';
  const fileState = state.props.UnitFileState ?? '';
  const wantsRunning = args.state === 'started' || args.state === 'restarted' || args.state === 'reloaded';

  if (load === 'not-found') {
    if (wantsRunning || args.enabled === true) fail(ctx, `unit "${unit}" does not exist (is the package that ships it installed?)`);
    return { changed: false, summary: [], warnings: [`unit "${unit}" does not exist: nothing to stop or disable`] };
  }
  if (load === 'masked' && (wantsRunning || args.enabled === true)) fail(ctx, `unit "${unit}" is masked; unmask it first (systemctl unmask ${unit})`);
  if (load !== 'loaded' && load !== 'masked') fail(ctx, `unit "${unit}" failed to load (LoadState=${load}); see systemctl status ${unit}`);

  const summary: string[] = [];
  const steps: string[] = [];
  let enable: 'enable' | 'disable' | null = null;
  if (args.enabled === true && !ENABLED_OK.has(fileState)) enable = 'enable';
  if (args.enabled === false && !DISABLED_OK.has(fileState)) enable = 'disable';
  if (enable) summary.push(`${enable} ${unit} at boot (now ${fileState || 'unknown'})`);

  const running = RUNNING.has(active);
  let verify: string | null = null;
  let now = false;
  switch (args.state) {
    case 'started':
      if (!running) {
        summary.push(`start ${unit} (now ${active})`);
        if (enable === 'enable') now = true;
        else steps.push(sh`wpha_unit_run ${unit} start -- ${unit}`);
        verify = 'start';
      }
      break;
    case 'stopped':
      if (!RUNNING.has(active) && active !== 'activating' && active !== 'deactivating') break;
      summary.push(`stop ${unit} (now ${active})`);
      if (enable === 'disable') now = true;
      else steps.push(sh`wpha_unit_run ${unit} stop -- ${unit}`);
      break;
    case 'restarted':
      summary.push(running ? `restart ${unit}` : `start ${unit} (now ${active})`);
      steps.push(sh`wpha_unit_run ${unit} restart -- ${unit}`);
      verify = 'restart';
      break;
    case 'reloaded':
      summary.push(running ? `reload ${unit}` : `start ${unit} (not running, so not reloaded)`);
      // Decided on the host: an earlier task may have started or stopped it meanwhile.
      steps.push(sh`if systemctl is-active --quiet -- ${unit}; then wpha_unit_run ${unit} reload -- ${unit}; else wpha_unit_run ${unit} start -- ${unit}; fi`);
      verify = 'reload';
      break;
    default:
      break;
  }
  // A drop-in systemd has not loaded is a change of its own: until a reload, the unit runs without it.
  const loaded = new Set((state.props.DropInPaths ?? '').split(' ').filter(Boolean));
  const unloaded = state.dropInsOnDisk.filter((f) => !loaded.has(f));
  if (summary.length === 0 && unloaded.length === 0) return { changed: false, summary: [] };
  const lines: string[] = [];
  if (state.props.NeedDaemonReload === 'yes' || unloaded.length > 0) {
    const why = unloaded.length ? `${unit} has drop-ins systemd has not read: ${unloaded.join(', ')}` : `${unit} changed on disk`;
    summary.unshift(summary.length ? `reload systemd units first (${why})` : `reload systemd units (${why})`);
    lines.push('systemctl daemon-reload');
  }
  if (enable) lines.push(now ? sh`wpha_unit_run ${unit} ${enable} --now -- ${unit}` : sh`wpha_unit_run ${unit} ${enable} -- ${unit}`);
  lines.push(...steps);
  if (verify) lines.push(sh`wpha_unit_verify ${unit} ${verify}`);
  // Timed: the service's own start (or restart) is the host's time, not wpha's (the recap says both).
  return { changed: true, summary, apply: joinSteps(TIME_START, ...lines, timeEnd('service')) };
}

const serviceOp: OpModule<ServiceArgs, ServiceArgs, ServiceState> = {
  name: 'service',
  summary: 'Start, stop, restart or reload a systemd unit and enable or disable it at boot.',
  get args() {
    return serviceArgs();
  },
  prelude: `${SERVICE_PRELUDE}\n${UNIT_SHOW_FN}`,
  // The unit's local files too: a unit file or drop-in written earlier in the same run makes this
  // probe stale (NeedDaemonReload), so the engine probes again and the apply reloads systemd first.
  resources: (args) => [`unit:${unitName(args.name)}`, `/etc/systemd/system/${unitName(args.name)}`, `/etc/systemd/system/${unitName(args.name)}.d`],
  // Drop-ins on disk are listed beside what systemd loaded (DropInPaths): systemd does not see a
  // drop-in folder created after it read the unit (NeedDaemonReload stays "no" until a reload).
  probe: (args) => {
    const unit = unitName(args.name);
    return [
      sh`wpha_unit_show ${unit} -p LoadState -p ActiveState -p SubState -p UnitFileState -p NeedDaemonReload -p DropInPaths 2>&1`,
      `for f in ${sh`/etc/systemd/system/${unit}.d`}/*.conf ${sh`/run/systemd/system/${unit}.d`}/*.conf; do if [ -e "$f" ]; then printf 'DropInOnDisk=%s\\n' "$f"; fi; done`,
    ].join('\n');
  },
  parse: (out) => parseServiceProbe(out),
  plan: planService,
};

export default serviceOp;
