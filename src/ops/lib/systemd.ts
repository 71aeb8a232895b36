/**
 * Shared by the ops that write systemd units (systemd_unit, systemd_timer): unit names, the probe
 * of a unit's state (one `systemctl show`), and the plan of daemon-reload / enable / start.
 */
import { z } from 'zod';
import { once } from './lazy.js';
import { sh } from '../../shell/quote.js';
import type { PlanContext } from '../types.js';
import { planError } from './plan-file.js';

export const UNIT_DIR = '/etc/systemd/system';
const UNIT_TYPES = ['service', 'timer', 'socket', 'path', 'mount', 'automount', 'swap', 'target', 'slice'] as const;

export const unitName = once(() =>
  z
    .string()
    .max(255)
    .regex(new RegExp(`^[A-Za-z0-9:_.@\\\\-]+\\.(${UNIT_TYPES.join('|')})$`), {
      message: `must be a unit file name such as "cache-warmer.service" (letters, digits, ":_.@-\\", ending in .${UNIT_TYPES.join('/.')})`,
    })
    .refine((n) => !n.startsWith('-') && !n.startsWith('.'), { message: 'must not start with "-" or "."' }),
);

export interface UnitState {
  /** systemctl could answer (false in a chroot or without systemd). */
  known: boolean;
  loadState?: string;
  activeState?: string;
  unitFileState?: string;
}

/**
 * Prints `systemctl show` lines (prefetched for the whole probe when the engine could: see
 * unit-prefetch.ts) then `unit_rc=N`. The exit status is captured so that a host
 * without a running systemd yields "unknown" instead of a failed probe.
 */
export function unitStateProbe(name: string): string {
  return sh`wpha_unit_show ${name} -p LoadState -p ActiveState -p UnitFileState 2>/dev/null; echo "unit_rc=$?"`;
}

export function parseUnitState(text: string): UnitState {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (kv.get('unit_rc') !== '0' || !kv.has('LoadState')) return { known: false };
  return { known: true, loadState: kv.get('LoadState'), activeState: kv.get('ActiveState'), unitFileState: kv.get('UnitFileState') };
}

/** Marker line separating the parts of a probe that prints several things. */
export const SECTION = '@@wpha-section';

export function sectionMarker(name: string): string {
  return `echo ${SECTION}=${name}`;
}

/** Split probe output at `@@wpha-section=NAME` lines; text before the first marker is under ''. */
export function splitSections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let current = '';
  let buf: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${SECTION}=`)) {
      out.set(current, buf.join('\n'));
      current = line.slice(SECTION.length + 1);
      buf = [];
    } else buf.push(line);
  }
  out.set(current, buf.join('\n'));
  return out;
}

export interface UnitWish {
  enabled?: boolean;
  state?: 'started' | 'stopped';
}

/**
 * Summary lines and commands to bring a unit to `want`, after its file was (maybe) rewritten.
 * A unit file written by this same apply is not known to systemd yet: treat it as disabled and
 * inactive rather than trusting a stale "not-found".
 */
export function planUnitState(
  op: string,
  name: string,
  want: UnitWish,
  unit: UnitState,
  opts: { fileChanged: boolean; hasInstall: boolean },
  ctx: PlanContext,
): { summary: string[]; commands: string[] } {
  const summary: string[] = [];
  const commands: string[] = [];
  if (opts.fileChanged) {
    summary.push('systemctl daemon-reload');
    commands.push('systemctl daemon-reload');
  }
  if (want.enabled === undefined && want.state === undefined) return { summary, commands };
  if (!unit.known && !opts.fileChanged) {
    throw planError(op, ctx, `cannot read the state of "${name}" from systemctl (is systemd running on this host?)`);
  }
  const isEnabled = unit.unitFileState === 'enabled';
  const isActive = unit.activeState === 'active' || unit.activeState === 'activating' || unit.activeState === 'reloading';
  if (want.enabled === true && !isEnabled) {
    if (!opts.hasInstall) throw planError(op, ctx, `"${name}" has no [Install] section, so it cannot be enabled`);
    summary.push(`enable ${name}`);
    commands.push(sh`systemctl enable -- ${name}`);
  }
  if (want.enabled === false && (isEnabled || unit.unitFileState === 'enabled-runtime')) {
    summary.push(`disable ${name}`);
    commands.push(sh`systemctl disable -- ${name}`);
  }
  if (want.state === 'started' && !isActive) {
    summary.push(`start ${name}`);
    commands.push(sh`systemctl start -- ${name}`);
  }
  if (want.state === 'stopped' && isActive) {
    summary.push(`stop ${name}`);
    commands.push(sh`systemctl stop -- ${name}`);
  }
  return { summary, commands };
}

/** Does unit file text have an [Install] section (needed to enable it)? */
export function hasInstallSection(text: string): boolean {
  return /^\s*\[Install\]\s*$/m.test(text);
}

/** systemd expands `%` specifiers in most settings: a literal % must be written %%. */
export function escapeSpecifiers(value: string): string {
  return value.replaceAll('%', '%%');
}

/**
 * Shell text printing, on stderr, the last `lines` journal lines of a unit whose start just
 * failed. journald reads a program's output and systemd's own messages from different sockets,
 * so right after `systemctl start` fails the failing program's last words may not be readable
 * yet (a loaded CI machine printed only "Mounting ..."). `journalctl --sync` writes out what
 * journald holds, and a bounded wait (2 s) for systemd's own "Failed" line, then a moment more,
 * lets the rest arrive. `unit`: a shell word (a quoted name, or a "$variable").
 */
export function unitLastWords(unit: string, lines: number): string {
  const tail = `journalctl -q -u ${unit} -n ${lines} --no-pager -o cat`;
  return [
    'journalctl --sync 2>/dev/null || :',
    `_wplw=0; while [ "$_wplw" -lt 20 ] && ! ${tail} 2>/dev/null | grep -q Failed; do sleep 0.1; _wplw=$((_wplw + 1)); done`,
    'sleep 0.2; journalctl --sync 2>/dev/null || :',
    `${tail} >&2 || :`,
  ].join('; ');
}
