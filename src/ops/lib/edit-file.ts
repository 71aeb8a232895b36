/**
 * Plan for ops that edit a file's existing text on the controller (lineinfile, blockinfile,
 * authorized_key...): the probe sends the whole file (up to EDIT_MAX_BYTES), a pure edit
 * function computes the new text, and the apply writes it atomically ONLY if the file still has
 * the sha256 the probe saw (a concurrent change fails the task instead of being overwritten).
 */
import { z } from 'zod';
import { once } from './lazy.js';
import { sh } from '../../shell/quote.js';
import type { OpPlan, PlanContext, ProbeContext } from '../types.js';
import { attrFields, type FileAttrs } from './attrs.js';
import { EDIT_MAX_BYTES, fileStateProbe, isText, type FileState } from './file-state.js';
import type { EditResult } from './line-edit.js';
import { planError, planFile } from './plan-file.js';

/** Arguments every in-place editor (lineinfile, blockinfile) shares, after its own. */
export const editedFileFields = once(() => ({
  create: z.boolean().default(false).describe('Create the file when it does not exist (otherwise the task fails).'),
  backup: z.boolean().default(false).describe('Keep the replaced file as <path>.<YYYYmmddTHHMMSS>.wpha-bak.'),
  validate: z
    .string()
    .refine((v) => v.includes('%s'), { message: 'must contain %s (replaced by the path of the new file)' })
    .optional()
    .describe('Command (sh) that must succeed on the edited file before it replaces the original; %s is its temp path.'),
  follow: z.boolean().default(false).describe('When path is a symlink, edit the file it points to (default: refuse).'),
  ...attrFields(),
}));

export interface EditedFileArgs {
  path: string;
  /** Create the file (from empty text) when missing; otherwise a missing file fails. */
  create: boolean;
  backup?: boolean;
  validate?: string;
  follow?: boolean;
  attrs: FileAttrs;
  /** `state: absent` style edits: a missing file is simply "nothing to remove". */
  removing?: boolean;
}

/**
 * The whole file is needed to edit it, but when the controller kept the text it saw last time
 * (ContentCache), the probe sends it only if its sha256 differs from that text's.
 */
export function editedFileProbe(a: Pick<EditedFileArgs, 'path' | 'follow'>, ctx?: ProbeContext): string {
  const known = ctx?.content?.knownSha(a.path);
  return known
    ? fileStateProbe(a.path, { content: 'if-differs', want: known, maxBytes: EDIT_MAX_BYTES, follow: a.follow ?? false })
    : fileStateProbe(a.path, { content: 'always', maxBytes: EDIT_MAX_BYTES, follow: a.follow ?? false });
}

export function planEditedFile(op: string, a: EditedFileArgs, state: FileState, ctx: PlanContext, edit: (text: string) => EditResult): OpPlan {
  let oldText = '';
  if (state.type === 'absent') {
    if (a.removing) return { changed: false, summary: [] };
    if (!a.create) {
      const msg = `"${a.path}" does not exist (set create: true to create it)`;
      return {
        changed: true,
        summary: [`${a.path} must exist first`],
        warnings: [`${msg}: the apply fails unless an earlier task creates it`],
        apply: sh`if [ ! -e ${a.path} ]; then echo ${msg} >&2; exit 1; fi; echo ${`"${a.path}" appeared after the probe; run again`} >&2; exit 1`,
      };
    }
  } else if (state.type === 'file') {
    if (state.contentSkipped === 'too-large') throw planError(op, ctx, `"${a.path}" is larger than ${EDIT_MAX_BYTES / 1024 / 1024} MiB; refusing to edit it`);
    if (state.contentSkipped === 'binary') throw planError(op, ctx, `"${a.path}" is not a UTF-8 text file; refusing to edit it`);
    // Not sent: the probe found the text the controller kept (same sha256).
    const content = state.content ?? (state.sha256 ? ctx.content?.get(state.sha256) : undefined);
    if (content === undefined) throw planError(op, ctx, `the content of "${a.path}" was not read`);
    if (!isText(content)) throw planError(op, ctx, `"${a.path}" is not a UTF-8 text file; refusing to edit it`);
    if (state.content) ctx.content?.put(a.path, state.content);
    else state = { ...state, content }; // as if sent: diffs and the write guard use it
    oldText = content.toString('utf8');
  }
  // Links without follow, directories: planFile explains the refusal.
  const result = state.type === 'absent' || state.type === 'file' ? edit(oldText) : { text: oldText, changed: false, action: '' };
  const fp = planFile({ op, path: a.path, content: Buffer.from(result.text, 'utf8'), attrs: a.attrs, backup: a.backup, validate: a.validate, follow: a.follow, guardProbedContent: true }, state, ctx);
  const { contentChanged, attrsChanged: _unused, ...plan } = fp;
  if (!plan.changed) return plan;
  if (contentChanged) {
    const shown = state.resolvedPath ?? a.path;
    plan.summary = [`${state.type === 'absent' ? 'create' : 'update'} ${shown}: ${result.action}${a.backup && state.type === 'file' ? ' (keeping a backup)' : ''}`, ...plan.summary.slice(1)];
  }
  return plan;
}
