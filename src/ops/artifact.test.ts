import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import artifactOp from './artifact.js';
import { sha256Hex } from './lib/index.js';
import { converge, localPrepareContext, planContext, removeTempDir, tempDir, writeRole } from '../engine/testing/run-local.js';

const tmp = tempDir();
afterAll(() => removeTempDir(tmp));
const role = join(tmp, 'role');
const BYTES = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x41]);
writeRole(role, { 'files/pkg/tool.tar.gz': BYTES });
const pctx = localPrepareContext(role);
const prepare = (raw: unknown) => artifactOp.prepare!(artifactOp.args.parse(raw), pctx);

describe('artifact', () => {
  it('reads a role file, hashes it, and checks the given sha256', () => {
    const a = prepare({ src: 'pkg/tool.tar.gz', dest: '/opt/tool.tar.gz', sha256: sha256Hex(BYTES).toUpperCase() });
    expect(a.sha256).toBe(sha256Hex(BYTES));
    expect(a.content.equals(BYTES)).toBe(true);
    expect(() => prepare({ src: 'pkg/tool.tar.gz', dest: '/opt/x', sha256: '0'.repeat(64) })).toThrow(/has sha256 [0-9a-f]{64}, expected 0{64}/);
  });

  it('reads an absolute controller path, and names a missing file', () => {
    const abs = join(tmp, 'abs.bin');
    writeFileSync(abs, 'abc');
    expect(prepare({ src: abs, dest: '/opt/x' }).sha256).toBe(sha256Hex('abc'));
    expect(() => prepare({ src: 'nope.bin', dest: '/opt/x' })).toThrow(/cannot read artifact "nope.bin"/);
  });

  it('never asks for or shows content, even with --diff', () => {
    const a = prepare({ src: 'pkg/tool.tar.gz', dest: '/opt/t' });
    expect(artifactOp.probe(a, { diff: true })).toBe(`wpha_fstate /opt/t s '' 262144`);
    const p = artifactOp.plan(a, { parentExists: true, type: 'absent' }, planContext({ diff: true }));
    expect(p.diff).toBeUndefined();
    expect(p.files).toEqual([{ sha256: a.sha256, content: a.content }]);
  });

  it('uploads through the stage and converges (local)', () => {
    const dest = join(tmp, 'tool.tar.gz');
    const r = converge(artifactOp, { src: 'pkg/tool.tar.gz', dest, mode: '0600' }, { engine: true, scratch: tmp, prepare: pctx });
    expect(r.applied).toMatchObject({ rc: 0, stderr: '' });
    expect(r.replan?.changed).toBe(false);
  });
});
