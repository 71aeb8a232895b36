/**
 * The arguments and plan of ops that write a whole file from content known on the controller
 * (copy, template, artifact, systemd_unit, apt_key...): destination, attributes, backup,
 * validation, symlink policy.
 */
import { z } from 'zod';
import { once } from './lazy.js';
import type { OpPlan, PlanContext } from '../types.js';
import { absolutePath, attrFields, type FileAttrs } from './attrs.js';
import { fileStateProbe, type FileState } from './file-state.js';
import { planFile, sha256Hex } from './plan-file.js';

export const wholeFileFields = once(() => ({
  dest: absolutePath().describe('Absolute path of the file to write. Its directory must exist (it is not created).'),
  backup: z.boolean().default(false).describe('Keep the replaced file as <dest>.<YYYYmmddTHHMMSS>.wpha-bak.'),
  validate: z
    .string()
    .refine((v) => v.includes('%s'), { message: 'must contain %s (replaced by the path of the new file before it goes live)' })
    .optional()
    .describe('Command (sh) that must succeed on the new content before it replaces dest; %s is the temp file, e.g. "visudo -cf %s". Do not quote %s.'),
  validate_live: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Command (sh) run right AFTER the new file replaced dest, for programs that can only check their live config (e.g. "nginx -t"). If it fails the previous file is put back and the task fails. The new file is live for that moment; nothing is reloaded by wpha in between.',
    ),
  follow: z.boolean().default(false).describe('When dest is a symlink, write the file it points to (default: refuse).'),
  sensitive: z.boolean().default(false).describe('Never show the content in diffs (e.g. keys and passwords).'),
  ...attrFields(),
}));

export interface WholeFileArgs extends FileAttrs {
  dest: string;
  backup: boolean;
  validate?: string;
  validate_live?: string;
  follow: boolean;
  sensitive: boolean;
}

/** Whole-file args after `prepare`: the bytes to write and their hash. */
export interface PreparedWholeFile extends WholeFileArgs {
  content: Buffer;
  sha256: string;
}

export function withContent<A extends WholeFileArgs>(a: A, content: Buffer | string): A & { content: Buffer; sha256: string } {
  const buf = Buffer.from(content);
  return { ...a, content: buf, sha256: sha256Hex(buf) };
}

export function wholeFileProbe(a: PreparedWholeFile, ctx: { diff: boolean }): string {
  return fileStateProbe(a.dest, { content: ctx.diff && !a.sensitive ? 'if-differs' : 'sha', want: a.sha256, follow: a.follow });
}

export function planWholeFile(op: string, a: PreparedWholeFile, state: FileState, ctx: PlanContext): OpPlan {
  const {
    contentChanged: _c,
    attrsChanged: _a,
    ...plan
  } = planFile(
    {
      op,
      path: a.dest,
      content: a.content,
      attrs: { mode: a.mode, owner: a.owner, group: a.group },
      backup: a.backup,
      validate: a.validate,
      validateLive: a.validate_live,
      follow: a.follow,
      sensitive: a.sensitive,
    },
    state,
    ctx,
  );
  return plan;
}
