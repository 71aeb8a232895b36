/**
 * `sysctl`: a kernel setting, saved in a sysctl.d file (so it survives reboots) and applied live.
 *
 * The file line `name = value` is edited like `lineinfile` (the last line setting `name` is
 * replaced, else the line is appended), so several tasks may share one `sysctl_file`; by default
 * each key gets its own `/etc/sysctl.d/60-wpha-<name>.conf`. The live value is written to
 * /proc/sys (no dependency on procps). Where /proc/sys is read-only (containers, the lab) the
 * setting is saved and a warning says it is not applied, instead of failing; a live value that
 * differs there is reported as a warning on every run, not as a change.
 *
 * Names are dotted as in sysctl.conf (`net.core.somaxconn`); a `/` inside stands for a literal
 * dot in a component (`net.ipv4.conf.eth0/100.rp_filter`), as sysctl(8) does.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { editLines } from './lib/line-edit.js';
import { absolutePath } from './lib/attrs.js';
import { fileStateProbe, parseFileState, type FileState } from './lib/file-state.js';
import { joinSteps, planError, planFile } from './lib/plan-file.js';
import { FILE_PRELUDE } from './lib/prelude.js';
import { sh } from '../shell/quote.js';
import { WARN_MARKER, type OpModule, type OpPlan, type PlanContext, type ProbeOutput } from './types.js';

const NAME = /^[A-Za-z0-9_-]+(?:[./][A-Za-z0-9_-]+)*$/;

export const sysctlArgs = once(() =>
  z
    .strictObject({
      name: z.string().regex(NAME, 'expected a dotted kernel setting name such as "net.core.somaxconn"').describe('Setting name, dotted as in sysctl.conf.'),
      value: z
        .union([z.string().regex(/^[^\n\r]*\S[^\n\r]*$/, 'expected a non-empty value without newlines'), z.number()])
        .transform(String)
        .optional()
        .describe('Wanted value (several numbers separated by spaces for settings such as net.ipv4.tcp_rmem).'),
      state: z.enum(['present', 'absent']).default('present').describe('absent removes the line from the file (the live value is left alone).'),
      sysctl_file: absolutePath()
        .refine((p) => p.endsWith('.conf'), { message: 'systemd-sysctl only reads files ending in .conf' })
        .optional()
        .describe('File holding the setting (default /etc/sysctl.d/60-wpha-<name>.conf); may be shared by several tasks.'),
      reload: z.boolean().default(true).describe('Also apply the value to the running kernel.'),
    })
    .refine((a) => a.state === 'absent' || a.value !== undefined, { message: 'value is required with state: present', path: ['value'] }),
);

export type SysctlArgs = z.output<ReturnType<typeof sysctlArgs>>;

export interface SysctlState {
  file: FileState;
  /** Live value; undefined when the setting does not exist on the host. */
  live?: string;
  writable: boolean;
}

export const fileOf = (a: SysctlArgs) => a.sysctl_file ?? `/etc/sysctl.d/60-wpha-${a.name.replaceAll('/', '_')}.conf`;
/** Dots separate components; a `/` in the name is a literal dot (sysctl(8)'s rule). */
export const procPath = (name: string) => name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
/** The kernel prints multi-value settings with tabs; compare words. */
export const normalizeValue = (v: string) => v.trim().split(/\s+/).join(' ');

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const lineRegexp = (name: string) => `^\\s*-?${escapeRegExp(name)}\\s*=`;
const HEADER = '# Kernel settings managed by wpha; changes made here are overwritten.\n';

export function parseSysctlProbe(out: ProbeOutput, a: SysctlArgs): SysctlState {
  const own = out.stdout.split('\n').filter((l) => l.startsWith('sysctl_'));
  const rest = out.stdout
    .split('\n')
    .filter((l) => !l.startsWith('sysctl_'))
    .join('\n');
  const live = own.find((l) => l.startsWith('sysctl_live='));
  return {
    file: parseFileState({ stdout: rest, rc: out.rc }, fileOf(a)),
    ...(live !== undefined ? { live: live.slice('sysctl_live='.length) } : {}),
    writable: own.includes('sysctl_writable=1'),
  };
}

function liveFragment(a: SysctlArgs, proc: string): string {
  const notApplied = `${WARN_MARKER} kernel setting ${a.name} saved to ${fileOf(a)} but not applied`;
  return [
    sh`if [ -e ${proc} ]; then`,
    sh`  if [ -w ${proc} ]; then printf '%s\\n' ${a.value!} > ${proc} || { echo ${`cannot set kernel setting ${a.name} to "${a.value}"`} >&2; exit 1; }`,
    sh`  else echo ${`${notApplied}: /proc/sys is read-only on this host`}; fi`,
    sh`else echo ${`${notApplied}: it does not exist on this host (is its kernel module loaded?)`}; fi`,
  ].join('\n');
}

function planSysctl(a: SysctlArgs, state: SysctlState, ctx: PlanContext, procRoot: string): OpPlan {
  const file = fileOf(a);
  const { file: fs } = state;
  if (fs.type === 'file' && fs.content === undefined) throw planError('sysctl', ctx, `"${file}" could not be read (${fs.contentSkipped ?? 'no content'})`);
  if (a.state === 'absent' && fs.type === 'absent') return { changed: false, summary: [] };
  const old = fs.type === 'file' ? fs.content!.toString('utf8') : '';
  const edit =
    a.state === 'absent'
      ? editLines(old, { state: 'absent', regexp: lineRegexp(a.name) })
      : fs.type === 'absent'
        ? { text: `${HEADER}${a.name} = ${a.value}\n`, changed: true }
        : editLines(old, { state: 'present', regexp: lineRegexp(a.name), line: `${a.name} = ${a.value}` });
  const {
    contentChanged: _c,
    attrsChanged: _a,
    ...filePlan
  } = planFile({ op: 'sysctl', path: file, content: Buffer.from(edit.text), attrs: { mode: '0644', owner: 'root', group: 'root' }, guardProbedContent: true }, fs, ctx);
  if (a.state === 'absent') return filePlan;

  const proc = `${procRoot}/${procPath(a.name)}`;
  const warnings = [...(filePlan.warnings ?? [])];
  const summary = [...filePlan.summary];
  const lines = filePlan.apply ? [filePlan.apply] : [];
  const liveWrong = a.reload && state.live !== undefined && normalizeValue(state.live) !== normalizeValue(a.value!);
  // When the file is written anyway, the apply itself warns (WARN marker) and the summary says
  // so; otherwise the plan's warning is the only place the user learns the kernel differs.
  const note = (text: string) => (filePlan.changed ? summary.push(`(${text})`) : warnings.push(text));
  if (a.reload && state.live === undefined) note(`kernel setting ${a.name} does not exist on this host (is its kernel module loaded?): it is only saved to ${file}`);
  if (liveWrong && state.writable) summary.push(`set kernel ${a.name}: ${normalizeValue(state.live!)} -> ${normalizeValue(a.value!)}`);
  if (liveWrong && !state.writable)
    note(`kernel setting ${a.name} is ${normalizeValue(state.live!)} on this host, not ${normalizeValue(a.value!)}: /proc/sys is read-only here, the value is only saved to ${file}`);
  // The live write is decided again on the host (it may have become read-only or writable).
  const needLive = a.reload && (state.live === undefined || liveWrong);
  if (needLive && (lines.length || state.writable)) lines.push(liveFragment(a, proc));
  const plan: OpPlan = { changed: summary.length > 0, summary };
  if (plan.changed) {
    plan.apply = joinSteps(...lines);
    if (filePlan.files) plan.files = filePlan.files;
    if (filePlan.diff) plan.diff = filePlan.diff;
  }
  if (warnings.length) plan.warnings = warnings;
  return plan;
}

/** The op for a /proc/sys root (the real one by default; tests point it at a temp folder). */
export function makeSysctlOp(procRoot = '/proc/sys'): OpModule<SysctlArgs, SysctlArgs, SysctlState> {
  return {
    name: 'sysctl',
    summary: 'Set a kernel setting in a sysctl.d file and in the running kernel (warning where /proc/sys is read-only).',
    get args() {
      return sysctlArgs();
    },
    prelude: FILE_PRELUDE,
    resources: (a) => [fileOf(a)],
    probe(a) {
      const proc = `${procRoot}/${procPath(a.name)}`;
      return [
        fileStateProbe(fileOf(a), { content: 'always' }),
        sh`if [ -e ${proc} ]; then`,
        // Not the shell's `read`: it reads byte by byte and sysctl files answer only at offset 0.
        sh`  wpha_v=$(cat -- ${proc} 2>/dev/null) || :`,
        `  printf 'sysctl_live=%s\\n' "$wpha_v"`,
        sh`  if [ -w ${proc} ]; then echo sysctl_writable=1; else echo sysctl_writable=0; fi`,
        'fi',
      ].join('\n');
    },
    parse: parseSysctlProbe,
    plan: (a, state, ctx) => planSysctl(a, state, ctx, procRoot),
  };
}

export default makeSysctlOp();
