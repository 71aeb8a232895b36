/**
 * `artifact`: upload a (typically large, binary) file from the controller: a release tarball, a
 * .deb not in Debian, a .phar.
 *
 *   - name: ProxySQL package
 *     artifact: { src: "{{ proxysql_deb }}", dest: /var/cache/wpha/proxysql.deb, sha256: "{{ proxysql_sha256 }}" }
 *
 * `src` is relative to the role's `files/` folder, or an absolute controller path (usually given
 * through a variable). The file is hashed on the controller (and checked against `sha256` when
 * given, so a wrong or corrupted local copy fails before anything is sent); the host only answers
 * with the sha256 of `dest`, and the bytes travel (through the stage, over SFTP when large) only
 * when they differ. Written atomically like `copy`; never shown in diffs.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { sha256Arg } from './lib/common-args.js';
import { once } from './lib/lazy.js';
import { InputError } from '../errors.js';
import { FILE_PRELUDE, fileStateProbe, parseFileState, planWholeFile, wholeFileFields, withContent, type FileState, type PreparedWholeFile } from './lib/index.js';
import type { OpModule } from './types.js';

const artifactArgs = once(() => {
  const { sensitive: _s, ...fields } = wholeFileFields();
  return z
    .object({
      src: z.string().min(1).describe("Controller file: relative to the role's files/ folder, or an absolute path."),
      sha256: sha256Arg().optional().describe('Expected sha256 of src; the task fails on the controller when the local file differs.'),
      ...fields,
    })
    .strict();
});

export type ArtifactArgs = z.output<ReturnType<typeof artifactArgs>>;
export type ArtifactPrepared = PreparedWholeFile & { src: string };

const artifactOp: OpModule<ArtifactArgs, ArtifactPrepared, FileState> = {
  name: 'artifact',
  summary: 'Upload a file from the controller (role files/ or an absolute path), verified by sha256, written atomically.',
  prelude: FILE_PRELUDE,
  get args() {
    return artifactArgs();
  },
  prepare(a, ctx) {
    const { sha256: expected, ...rest } = a;
    let bytes: Buffer;
    try {
      bytes = isAbsolute(a.src) ? readFileSync(a.src) : ctx.readRoleFile(a.src);
    } catch (e) {
      throw new InputError([{ path: ['src'], message: `cannot read artifact "${a.src}": ${(e as Error).message}` }], 'Invalid artifact');
    }
    const prepared = withContent({ ...rest, sensitive: true }, bytes);
    if (expected !== undefined && prepared.sha256 !== expected) {
      throw new InputError([{ path: ['sha256'], message: `artifact "${a.src}" has sha256 ${prepared.sha256}, expected ${expected}` }], 'Invalid artifact');
    }
    return prepared;
  },
  resources: (a) => [a.dest],
  // Never ask for the old content: artifacts are not diffed.
  probe: (a) => fileStateProbe(a.dest, { content: 'sha', follow: a.follow }),
  parse: (out, a) => parseFileState(out, a.dest),
  plan: (a, s, ctx) => planWholeFile('artifact', a, s, { ...ctx, diff: false }),
};

export default artifactOp;
