/**
 * `lineinfile`: make sure one line is in a file (or that matching lines are not), editing the
 * file's text in place with Ansible's semantics.
 *
 *   - name: PHP memory limit
 *     lineinfile: { path: /etc/php/8.2/fpm/php.ini, regexp: '^;?memory_limit\s*=', line: 'memory_limit = 512M' }
 *     notify: restart php-fpm
 *
 * present: if `regexp` matches, the LAST matching line is replaced by `line` (with `backrefs`,
 * `\1` or `\g<name>` in `line` come from that match, and a regexp matching nothing changes
 * nothing). Otherwise, when the exact `line` is already in the file, nothing changes; else it is
 * inserted after the last line matching `insertafter` (or before the last matching
 * `insertbefore`; `firstmatch: true` uses the first match), at `BOF`, or at `EOF` (default, also
 * when the insert pattern matches nothing). absent: every line matching `regexp` (or equal to
 * `line`) is removed.
 *
 * Patterns are JavaScript regular expressions searched anywhere in the line (anchor with ^ and $);
 * Python's `(?P<name>...)` is accepted. The whole file (max 8 MiB) is read by the probe, edited on
 * the controller, and written back atomically only if it did not change in between.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { absolutePath, editedFileFields, editedFileProbe, editLines, FILE_PRELUDE, parseFileState, planEditedFile, regexError, type FileState } from './lib/index.js';
import type { OpModule } from './types.js';

const pattern = (what: string) => z.string().min(1).describe(what);

const lineinfileArgs = once(() =>
  z
    .object({
      path: absolutePath().describe('File to edit.'),
      line: z.string().optional().describe('The line to have in the file (required for state: present). No newlines.'),
      regexp: pattern('Regular expression selecting the line to replace (present; the last match) or the lines to remove (absent).').optional(),
      state: z.enum(['present', 'absent']).default('present').describe('present: have the line; absent: remove matching lines.'),
      insertafter: pattern('Where to insert when nothing matches: EOF (default), BOF, or a regular expression (after its last match).').optional(),
      insertbefore: pattern('Where to insert when nothing matches: BOF, or a regular expression (before its last match).').optional(),
      firstmatch: z.boolean().default(false).describe('insertafter/insertbefore use the first matching line instead of the last.'),
      backrefs: z.boolean().default(false).describe('Expand \\1, \\g<name> in line from the regexp match; when regexp matches nothing the file is left alone.'),
      ...editedFileFields(),
    })
    .strict()
    .superRefine((a, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
      if (a.state === 'present' && a.line === undefined) issue('line', 'state: present needs line');
      if (a.state === 'absent' && a.line === undefined && a.regexp === undefined) issue('regexp', 'state: absent needs regexp or line');
      if (a.line !== undefined && /[\r\n]/.test(a.line)) issue('line', 'must be a single line (use blockinfile for several)');
      if (a.insertafter !== undefined && a.insertbefore !== undefined) issue('insertbefore', 'give insertafter or insertbefore, not both');
      if (a.backrefs && a.regexp === undefined) issue('backrefs', 'backrefs needs regexp');
      if (a.backrefs && a.state === 'absent') issue('backrefs', 'backrefs only applies to state: present');
      for (const key of ['regexp', 'insertafter', 'insertbefore'] as const) {
        const v = a[key];
        if (v === undefined || ((key === 'insertafter' || key === 'insertbefore') && (v === 'EOF' || v === 'BOF'))) continue;
        const err = regexError(v);
        if (err) issue(key, err);
      }
      if (a.insertbefore === 'EOF') issue('insertbefore', 'insertbefore: EOF makes no sense; use insertafter: EOF');
    }),
);

export type LineinfileArgs = z.output<ReturnType<typeof lineinfileArgs>>;

const lineinfileOp: OpModule<LineinfileArgs, LineinfileArgs, FileState> = {
  name: 'lineinfile',
  summary: 'Ensure a line is present in (or matching lines are absent from) a text file, Ansible-style.',
  prelude: FILE_PRELUDE,
  get args() {
    return lineinfileArgs();
  },
  resources: (a) => [a.path],
  probe: (a, ctx) => editedFileProbe(a, ctx),
  parse: (out, a) => parseFileState(out, a.path),
  plan: (a, state, ctx) =>
    planEditedFile('lineinfile', { path: a.path, create: a.create, backup: a.backup, validate: a.validate, follow: a.follow, attrs: a, removing: a.state === 'absent' }, state, ctx, (text) =>
      editLines(text, a),
    ),
};

export default lineinfileOp;
