/**
 * `blockinfile`: keep a block of lines between two marker lines in a file (or remove it).
 *
 *   - name: Lab hosts
 *     blockinfile:
 *       path: /etc/hosts
 *       block: |
 *         172.31.250.38 lab28
 *         172.31.250.39 lab29
 *
 * The markers are `marker` with `{mark}` replaced by `marker_begin`/`marker_end` (default
 * `# BEGIN MANAGED BY wpha` / `# END MANAGED BY wpha`); use a different marker per block in one
 * file. Present: the lines between existing markers are replaced; without markers the block is
 * inserted after the last line matching `insertafter` / before the last matching `insertbefore`
 * / at `BOF` / at `EOF` (default). Absent, or an empty block: markers and content are removed.
 * A marker without its partner is an error (fix the file by hand) rather than a second block.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import {
  absolutePath,
  editedFileFields,
  BlockMarkerError,
  DEFAULT_MARKER,
  editBlock,
  editedFileProbe,
  FILE_PRELUDE,
  parseFileState,
  planEditedFile,
  planError,
  regexError,
  type FileState,
} from './lib/index.js';
import type { OpModule } from './types.js';

const singleLine = once(() =>
  z
    .string()
    .min(1)
    .refine((s) => !/[\r\n]/.test(s), { message: 'must be a single line' }),
);

const blockinfileArgs = once(() =>
  z
    .object({
      path: absolutePath().describe('File to edit.'),
      block: z.string().default('').describe('The lines to keep between the markers (a trailing newline does not matter). Empty removes the block.'),
      marker: singleLine()
        .refine((s) => s.includes('{mark}'), { message: 'must contain {mark}' })
        .default(DEFAULT_MARKER)
        .describe('Marker line template; {mark} becomes marker_begin / marker_end. Use a comment syntax the file accepts.'),
      marker_begin: singleLine().default('BEGIN').describe('Replaces {mark} in the first marker.'),
      marker_end: singleLine().default('END').describe('Replaces {mark} in the last marker.'),
      state: z.enum(['present', 'absent']).default('present').describe('present: have the block; absent: remove it.'),
      insertafter: z.string().min(1).optional().describe('Where to insert a new block: EOF (default), or a regular expression (after its last match).'),
      insertbefore: z.string().min(1).optional().describe('Where to insert a new block: BOF, or a regular expression (before its last match).'),
      ...editedFileFields(),
    })
    .strict()
    .superRefine((a, ctx) => {
      if (a.insertafter !== undefined && a.insertbefore !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['insertbefore'], message: 'give insertafter or insertbefore, not both' });
      }
      if (a.marker_begin === a.marker_end) ctx.addIssue({ code: 'custom', path: ['marker_end'], message: 'must differ from marker_begin' });
      for (const key of ['insertafter', 'insertbefore'] as const) {
        const v = a[key];
        if (v === undefined || v === 'EOF' || v === 'BOF') continue;
        const err = regexError(v);
        if (err) ctx.addIssue({ code: 'custom', path: [key], message: err });
      }
    }),
);

export type BlockinfileArgs = z.output<ReturnType<typeof blockinfileArgs>>;

const blockinfileOp: OpModule<BlockinfileArgs, BlockinfileArgs, FileState> = {
  name: 'blockinfile',
  summary: 'Keep a block of lines between marker lines in a text file (or remove it).',
  prelude: FILE_PRELUDE,
  get args() {
    return blockinfileArgs();
  },
  resources: (a) => [a.path],
  probe: (a, ctx) => editedFileProbe(a, ctx),
  parse: (out, a) => parseFileState(out, a.path),
  plan(a, state, ctx) {
    const removing = a.state === 'absent' || a.block === '';
    try {
      return planEditedFile('blockinfile', { path: a.path, create: a.create, backup: a.backup, validate: a.validate, follow: a.follow, attrs: a, removing }, state, ctx, (text) =>
        editBlock(text, {
          state: a.state,
          block: a.block,
          marker: a.marker,
          markerBegin: a.marker_begin,
          markerEnd: a.marker_end,
          insertafter: a.insertafter,
          insertbefore: a.insertbefore,
        }),
      );
    } catch (e) {
      if (e instanceof BlockMarkerError) throw planError('blockinfile', ctx, `in "${a.path}": ${e.message}`);
      throw e;
    }
  },
};

export default blockinfileOp;
