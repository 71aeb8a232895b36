/**
 * `mount`: a file system mounted by a systemd mount unit (written, enabled, started), or gone.
 *
 *   - name: uploads share
 *     mount:
 *       what: nfs.example.net:/export/uploads
 *       where: /srv/wp-uploads
 *       type: nfs
 *       options: vers=4.2,hard,noatime
 *
 * systemd wants a mount unit named after its mount point (`srv-wp\x2duploads.mount`): the name is
 * computed here as `systemd-escape --path --suffix=mount` does, so the probe asks systemd about
 * the unit by name, in the same round trip as every other probe. A changed unit is reloaded and
 * the mount restarted (remounted with its new options); an inactive one is started. A failed
 * mount fails the task with the mount's own message (the unit's last journal lines), not just
 * systemd's "Job failed". Network file systems wait for the network (remote-fs.target).
 * `state: absent` stops (unmounts) and disables the unit and removes its file.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { sh } from '../shell/quote.js';
import {
  absolutePath,
  FILE_PRELUDE,
  fileStateProbe,
  joinSteps,
  parseFileState,
  planFile,
  sectionMarker,
  sha256Hex,
  splitSections,
  UNIT_DIR,
  unitLastWords,
  unitStateProbe,
  parseUnitState,
  planError,
  type FileState,
  type UnitState,
} from './lib/index.js';
import type { OpModule, OpPlan, PlanContext } from './types.js';

const NETWORK_TYPES = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'sshfs', 'fuse.sshfs', 'glusterfs', 'ceph', '9p']);

const mountArgs = once(() =>
  z
    .object({
      where: absolutePath()
        .refine((p) => p !== '/', { message: 'must not be "/"' })
        .describe('Mount point (created by systemd when missing).'),
      what: z
        .string()
        .min(1)
        .refine((v) => !/[\s\0]/.test(v), { message: 'must not contain whitespace' })
        .describe('What is mounted: host:/export for NFS, a device, or a name (tmpfs).'),
      type: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be a file system type such as nfs, ext4 or tmpfs' })
        .describe('File system type (Type= of the unit).'),
      options: z
        .string()
        .min(1)
        .refine((v) => !/[\s\0]/.test(v), { message: 'must not contain whitespace' })
        .default('defaults')
        .describe('Mount options, comma-separated (Options=).'),
      description: z
        .string()
        .refine((v) => !/[\n\0]/.test(v), { message: 'must be one line' })
        .optional()
        .describe('Description= of the unit; default names what is mounted.'),
      timeout: z.number().int().positive().max(3600).default(30).describe('Seconds systemd waits for the mount (TimeoutSec=).'),
      state: z.enum(['mounted', 'absent']).default('mounted').describe('mounted: unit written, enabled and active; absent: unmounted, disabled, file removed.'),
    })
    .strict(),
);

export type MountArgs = z.output<ReturnType<typeof mountArgs>>;
export interface MountPrepared extends MountArgs {
  unit: string;
  path: string;
  content: Buffer;
  sha256: string;
}
export interface MountState {
  file: FileState;
  unit: UnitState;
}

/** `systemd-escape --path --suffix=mount WHERE`: "/" becomes "-", other bytes outside [A-Za-z0-9:_.] (and a leading ".") become \xNN. */
export function mountUnitName(where: string): string {
  const trimmed = where.split('/').filter(Boolean).join('/');
  if (trimmed === '') return '-.mount';
  let out = '';
  for (const [i, byte] of [...Buffer.from(trimmed, 'utf8')].entries()) {
    const c = String.fromCharCode(byte);
    if (c === '/') out += '-';
    else if (/[A-Za-z0-9:_]/.test(c) || (c === '.' && i > 0)) out += c;
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}.mount`;
}

export function mountUnitText(a: MountArgs): string {
  const network = NETWORK_TYPES.has(a.type);
  return [
    '# Managed by wpha: local changes are overwritten on the next apply.',
    '[Unit]',
    `Description=${a.description ?? `${a.what} on ${a.where}`}`,
    ...(network ? ['Wants=network-online.target', 'After=network-online.target'] : []),
    '',
    '[Mount]',
    `What=${a.what}`,
    `Where=${a.where}`,
    `Type=${a.type}`,
    `Options=${a.options}`,
    `TimeoutSec=${a.timeout}`,
    '',
    '[Install]',
    `WantedBy=${network ? 'remote-fs.target' : 'local-fs.target'}`,
    '',
  ].join('\n');
}

/** Start (or restart, to remount) the unit; on failure print the mount's own last words. */
function startCommand(unit: string, verb: 'start' | 'restart'): string {
  return `${sh`systemctl ${verb} -- ${unit} 2>/dev/null`} || { ${unitLastWords(sh`${unit}`, 4)}; ${sh`echo ${`cannot mount (systemctl ${verb} ${unit} failed)`} >&2`}; exit 1; }`;
}

const UNIT_ATTRS = { mode: '0644', owner: 'root', group: 'root' };
const isActive = (u: UnitState) => u.activeState === 'active' || u.activeState === 'activating' || u.activeState === 'reloading';

export function planMount(a: MountPrepared, s: MountState, ctx: PlanContext): OpPlan {
  if (a.state === 'absent') {
    const present = s.file.type !== 'absent';
    if (!present && !isActive(s.unit)) return { changed: false, summary: [] };
    return {
      changed: true,
      summary: [`unmount ${a.where} and remove ${a.unit}`],
      apply: joinSteps(sh`systemctl disable --now -- ${a.unit} 2>/dev/null || systemctl stop -- ${a.unit}`, sh`rm -f -- ${a.path}`, 'systemctl daemon-reload'),
    };
  }
  const fp = planFile({ op: 'mount', path: a.path, content: a.content, attrs: UNIT_ATTRS }, s.file, ctx);
  const { contentChanged, attrsChanged: _a, ...filePlan } = fp;
  if (!s.unit.known && !contentChanged) throw planError('mount', ctx, `cannot read the state of "${a.unit}" from systemctl (is systemd running on this host?)`);
  const summary = [...filePlan.summary];
  const commands = [filePlan.apply ?? ''];
  if (contentChanged) commands.push('systemctl daemon-reload');
  if (contentChanged || s.unit.unitFileState !== 'enabled') {
    summary.push(`enable ${a.unit}`);
    commands.push(sh`systemctl enable -q -- ${a.unit}`);
  }
  if (contentChanged && isActive(s.unit)) {
    summary.push(`remount ${a.where} (systemctl restart ${a.unit})`);
    commands.push(startCommand(a.unit, 'restart'));
  } else if (!isActive(s.unit)) {
    summary.push(`mount ${a.what} on ${a.where}`);
    commands.push(startCommand(a.unit, 'start'));
  }
  if (summary.length === 0) return { changed: false, summary: [] };
  return { ...filePlan, changed: true, summary, apply: joinSteps(...commands) };
}

const mountOp: OpModule<MountArgs, MountPrepared, MountState> = {
  name: 'mount',
  summary: 'A file system mounted by a systemd mount unit (NFS, tmpfs, a device): written, enabled and started, remounted when it changed; or unmounted and removed.',
  prelude: FILE_PRELUDE,
  get args() {
    return mountArgs();
  },
  prepare(a) {
    const unit = mountUnitName(a.where);
    const content = Buffer.from(mountUnitText(a));
    return { ...a, unit, path: `${UNIT_DIR}/${unit}`, content, sha256: sha256Hex(content) };
  },
  resources: (a) => [a.path, `unit:${a.unit}`, a.where],
  probe: (a, ctx) => [fileStateProbe(a.path, { content: ctx.diff ? 'if-differs' : 'sha', want: a.sha256 }), sectionMarker('unit'), unitStateProbe(a.unit)].join('\n'),
  parse(out, a) {
    const parts = splitSections(out.stdout);
    return { file: parseFileState({ stdout: parts.get('') ?? '', rc: out.rc }, a.path), unit: parseUnitState(parts.get('unit') ?? '') };
  },
  plan: (a, s, ctx) => planMount(a, s, ctx),
};

export default mountOp;
