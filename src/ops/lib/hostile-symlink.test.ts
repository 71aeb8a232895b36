/**
 * Symbolic links planted where root is about to write, run for real with /bin/sh in a temp
 * folder (tests run as root, as the engine does on a host). `etc/` stands for /etc; `bob` is
 * an unprivileged user (uid 65534) who owns a link on the way to the destination, as he could
 * in his home or a web root he owns. Root's own links are followed; another user's are refused
 * by the probe (so plans refuse before anything runs) and again by the writers (so a link
 * swapped in after the probe is refused too), and the target stays byte-for-byte intact.
 */
import { chmodSync, lchownSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import copyOp from '../copy.js';
import fileOp from '../file.js';
import lineinfileOp from '../lineinfile.js';
import { quote } from '../../shell/quote.js';
import { converge, removeTempDir, runScript, tempDir } from '../../engine/testing/run-local.js';
import { fileStateProbe, parseFileState } from './file-state.js';
import { FILE_PRELUDE } from './prelude.js';

const BOB = 65534;
let dir: string;
let secret: string;
const SECRET = 'root:$y$j9T$hash:19000:0:99999:7:::\n';

beforeEach(() => {
  dir = tempDir('wpha-hostile-link-');
  mkdirSync(join(dir, 'etc'));
  secret = join(dir, 'etc', 'shadow');
  writeFileSync(secret, SECRET);
  chmodSync(secret, 0o640);
  mkdirSync(join(dir, 'home'));
  symlinkSync(join(dir, 'etc'), join(dir, 'home', 'bob-conf'));
  lchownSync(join(dir, 'home', 'bob-conf'), BOB, BOB);
  symlinkSync(join(dir, 'etc'), join(dir, 'root-conf'));
});
afterEach(() => removeTempDir(dir));

const viaBob = () => join(dir, 'home', 'bob-conf', 'shadow');
const intact = () => {
  expect(readFileSync(secret, 'utf8')).toBe(SECRET);
  expect(statSync(secret).mode & 0o7777).toBe(0o640);
};
const refusal = (path: string) =>
  new RegExp(`^"${dir}/home/bob-conf" is a symbolic link owned by \\S+ \\(to "${dir}/etc"\\): refusing to follow it as root to reach "${path.replaceAll('.', '\\.')}"; use the real path$`);

describe('a link another user owns on the way to a destination', () => {
  it('the probe reads nothing through it and says why', () => {
    const r = runScript(`${FILE_PRELUDE}\n(\n${fileStateProbe(viaBob(), { content: 'always' })}\n)\n`);
    expect(r.stdout).toMatch(/^untrusted=[A-Za-z0-9+/=]+\n$/);
    expect(r.stdout).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(() => parseFileState(r, viaBob())).toThrow(refusal(viaBob()));
  });

  it.each([
    ['copy', copyOp, { dest: '', content: 'pwned\n' }, 'dest'],
    ['lineinfile', lineinfileOp, { path: '', line: 'pwned' }, 'path'],
    ['file mode', fileOp, { path: '', mode: '0666' }, 'path'],
    ['file absent', fileOp, { path: '', state: 'absent' }, 'path'],
  ] as const)('%s refuses at plan time and changes nothing', (_n, op, args, key) => {
    expect(() => converge(op as never, { ...args, [key]: viaBob() }, { scratch: dir, engine: true })).toThrow(refusal(viaBob()));
    intact();
  });

  it('the writers refuse too (a link swapped in after the probe)', () => {
    writeFileSync(join(dir, 'new'), 'pwned\n');
    const put = runScript(`${FILE_PRELUDE}\n( set -eu\nwpha_put ${quote(join(dir, 'new'))} ${quote(viaBob())} '' '' '' '' '' '' ''\n)\n`);
    expect(put.rc).not.toBe(0);
    expect(put.stderr.trim()).toMatch(refusal(viaBob()));
    const attrs = runScript(`${FILE_PRELUDE}\n( set -eu\nwpha_attrs ${quote(viaBob())} 0666 nobody ''\n)\n`);
    expect(attrs.rc).not.toBe(0);
    expect(attrs.stderr.trim()).toMatch(refusal(viaBob()));
    intact();
    expect(statSync(secret).uid).toBe(0);
  });

  it("root's own link is followed: the file lands in the real folder", () => {
    const r = converge(copyOp as never, { dest: join(dir, 'root-conf', 'app.conf'), content: 'ok\n' }, { scratch: dir, engine: true });
    expect(r.applied?.rc).toBe(0);
    expect(r.replan?.changed).toBe(false);
    expect(readFileSync(join(dir, 'etc', 'app.conf'), 'utf8')).toBe('ok\n');
    intact();
  });
});
