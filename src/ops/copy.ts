/**
 * `copy`: write a file from inline `content` or from a file in the role's `files/` folder.
 *
 *   - name: PHP-FPM pool
 *     copy: { src: www.conf, dest: /etc/php/8.2/fpm/pool.d/www.conf, mode: "0644", backup: true }
 *     notify: restart php-fpm
 *   - name: sudoers rule, checked before it goes live
 *     copy: { content: "deploy ALL=(root) NOPASSWD: /usr/sbin/nginx -s reload\n", dest: /etc/sudoers.d/deploy,
 *             mode: "0440", validate: "visudo -cf %s" }
 *
 * The content is hashed on the controller; the host answers with its sha256, mode and owner, so
 * bytes cross the wire only when they differ (with `--diff` the old text too, when it is text
 * and at most 256 KiB). The write is atomic (temp file in the same directory, attributes,
 * `validate`, rename) and never creates the directory. A symlink at `dest` is refused unless
 * `follow: true`. New files default to mode 0644 owned by root; an existing file keeps its
 * mode/owner/group unless given.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { FILE_PRELUDE, planWholeFile, wholeFileFields, wholeFileProbe, withContent, parseFileState, type FileState, type PreparedWholeFile } from './lib/index.js';
import type { OpModule } from './types.js';

const copyArgs = once(() =>
  z
    .object({
      content: z.string().optional().describe('The exact file content (mutually exclusive with src).'),
      src: z.string().min(1).optional().describe("File in the role's files/ folder, relative to it (mutually exclusive with content)."),
      ...wholeFileFields(),
    })
    .strict()
    .superRefine((a, ctx) => {
      if ((a.content === undefined) === (a.src === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['content'], message: 'give exactly one of content or src' });
      }
    }),
);

export type CopyArgs = z.output<ReturnType<typeof copyArgs>>;
export type CopyPrepared = PreparedWholeFile & { src?: string };

const copyOp: OpModule<CopyArgs, CopyPrepared, FileState> = {
  name: 'copy',
  summary: "Write a file from inline content or from the role's files/ folder, atomically, with optional validation and backup.",
  prelude: FILE_PRELUDE,
  get args() {
    return copyArgs();
  },
  prepare(a, ctx) {
    const { content, ...rest } = a;
    return withContent(rest, content !== undefined ? content : ctx.readRoleFile(a.src as string));
  },
  resources: (a) => [a.dest],
  probe: wholeFileProbe,
  parse: (out, a) => parseFileState(out, a.dest),
  plan: (a, s, ctx) => planWholeFile('copy', a, s, ctx),
};

export default copyOp;
