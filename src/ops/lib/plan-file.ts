/**
 * Pure planning of "this path must hold exactly these bytes with these attributes", shared by
 * copy, template, lineinfile, blockinfile, systemd units, apt sources, cron files, sysctl files...
 */
import { createHash } from 'node:crypto';
import { OperationError } from '../../errors.js';
import { sh } from '../../shell/quote.js';
import type { OpPlan, PlanContext, StagedFile } from '../types.js';
import { attrChanges, attrsFragment, normalizeMode, type FileAttrs } from './attrs.js';
import { unifiedDiff } from './diff.js';
import { DIFF_MAX_BYTES, isText, type FileState } from './file-state.js';

export function sha256Hex(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

export function stagedFile(content: Buffer | string): StagedFile {
  const buf = Buffer.from(content);
  return { sha256: sha256Hex(buf), content: buf };
}

/**
 * Join apply steps so that the first failing one ends the fragment with its status, whether or
 * not `set -e` is in effect (it is silently off inside a function called as `f || ...`).
 */
export function joinSteps(...steps: string[]): string {
  return steps
    .filter((s) => s !== '')
    .map((s) => `${s} || exit $?`)
    .join('\n');
}

/** The error an op raises at plan time for a host state it refuses to touch. */
export function planError(op: string, ctx: Pick<PlanContext, 'host'>, message: string): OperationError {
  return new OperationError(ctx.host, op, `Cannot apply "${op}" on host "${ctx.host}": ${message}`);
}

export interface WantedFile {
  /** Op name, for error messages. */
  op: string;
  path: string;
  content: Buffer;
  attrs: FileAttrs;
  /** Keep the replaced file as `<path>.<YYYYmmddTHHMMSS>.wpha-bak`. */
  backup?: boolean;
  /** Shell command checking the new content before it replaces the file; `%s` is the temp file. */
  validate?: string;
  /** Shell command run after the rename; on failure the old file is restored (see wpha_put). */
  validateLive?: string;
  /** Write through a symlink at `path` instead of refusing it. */
  follow?: boolean;
  /**
   * The content was computed from what the probe read (lineinfile...): the apply refuses to write
   * unless the file still has the probed sha256 (or is still absent).
   */
  guardProbedContent?: boolean;
  /** Never show the content in a diff (secrets). */
  sensitive?: boolean;
}

/** A file plan plus what the caller may want to add to its own summary/apply. */
export interface FilePlan extends OpPlan {
  contentChanged: boolean;
  attrsChanged: boolean;
}

export function planFile(want: WantedFile, state: FileState, ctx: PlanContext): FilePlan {
  const { path } = want;
  if (state.type === 'link') {
    throw planError(want.op, ctx, `"${path}" is a symbolic link (to "${state.linkTarget ?? '?'}"); set follow: true to write the file it points to`);
  }
  if (state.type === 'directory' || state.type === 'other') {
    throw planError(want.op, ctx, `"${path}" exists and is not a regular file (it is a ${state.type === 'directory' ? 'directory' : 'special file'})`);
  }
  const sha = sha256Hex(want.content);
  const exists = state.type === 'file';
  const contentChanged = !exists || state.sha256 !== sha;
  const attrLines = exists ? attrChanges(want.attrs, state) : [];
  const attrsChanged = attrLines.length > 0;
  if (!contentChanged && !attrsChanged) return { changed: false, summary: [], contentChanged, attrsChanged };

  const shown = state.resolvedPath ?? path;
  const summary: string[] = [];
  const warnings: string[] = [];
  if (!exists) {
    summary.push(`create ${shown} (${describeSize(want.content.length)}, ${describeNewAttrs(want.attrs)})`);
    if (!state.parentExists) {
      warnings.push(`directory of "${shown}" does not exist yet: the apply fails unless an earlier task creates it`);
    }
  } else if (contentChanged) {
    summary.push(`update ${shown} (${describeSize(state.size ?? 0)} -> ${describeSize(want.content.length)})${want.backup ? ', keeping a backup' : ''}`);
  }
  for (const line of attrLines) summary.push(`${shown}: ${line}`);

  const plan: FilePlan = { changed: true, summary, contentChanged, attrsChanged };
  if (warnings.length) plan.warnings = warnings;
  if (ctx.diff && contentChanged) {
    const diff = contentDiff(want, state, shown);
    if (diff.text !== undefined) plan.diff = diff.text;
    else if (diff.why) summary.push(`(no diff: ${diff.why})`);
  }
  if (contentChanged) {
    const staged = stagedFile(want.content);
    plan.files = [staged];
    plan.apply = putFragment(staged.sha256, path, want, state);
  } else {
    plan.apply = attrsFragment(path, want.attrs);
  }
  return plan;
}

/** The `wpha_put` call writing staged content `sha` to `path` (needs FILE_PRELUDE). */
export function putFragment(sha: string, path: string, want: Omit<WantedFile, 'op' | 'path' | 'content'>, state?: FileState): string {
  const flags = (want.backup ? 'b' : '') + (want.follow ? 'L' : '');
  const validate = want.validate ? want.validate.replaceAll('%s', '"$1"') : '';
  const expect = want.guardProbedContent && state ? (state.type === 'absent' ? 'absent' : (state.sha256 ?? '')) : '';
  return sh`wpha_put "$WPHA_STAGE"/${sha} ${path} ${want.attrs.mode ?? ''} ${want.attrs.owner ?? ''} ${want.attrs.group ?? ''} ${flags} ${validate} ${expect} ${want.validateLive ?? ''}`;
}

function contentDiff(want: WantedFile, state: FileState, shown: string): { text?: string; why?: string } {
  if (want.sensitive) return { why: 'content is sensitive' };
  if (!isText(want.content)) return { why: 'new content is binary' };
  if (want.content.length > DIFF_MAX_BYTES) return { why: 'new content is larger than 256 KiB' };
  let old = '';
  if (state.type === 'file') {
    if (state.contentSkipped === 'binary') return { why: 'old content is binary' };
    if (state.contentSkipped === 'too-large') return { why: 'old content is larger than 256 KiB' };
    if (state.content === undefined) return { why: 'old content was not read' };
    if (!isText(state.content)) return { why: 'old content is binary' };
    old = state.content.toString('utf8');
  }
  return { text: unifiedDiff(old, want.content.toString('utf8'), { oldLabel: `${shown} (host)`, newLabel: `${shown} (wanted)` }) };
}

function describeSize(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

function describeNewAttrs(a: FileAttrs): string {
  return `mode ${a.mode ? normalizeMode(a.mode) : '0644'}, ${a.owner ?? 'root'}:${a.group ?? 'root'}`;
}

/** Remove a regular file or symlink if present (cron/sysctl/... `state: absent`). */
export function planFileAbsent(op: string, path: string, state: FileState, ctx: PlanContext): OpPlan {
  if (state.type === 'absent') return { changed: false, summary: [] };
  if (state.type === 'directory') throw planError(op, ctx, `"${path}" is a directory; refusing to remove it as a file`);
  return { changed: true, summary: [`remove ${path}`], apply: sh`rm -f -- ${path}` };
}
