/**
 * The package/service/account/command ops inside the very script the engine sends to a host
 * (src/engine/script.ts: fragments and probes wrapped in functions, `set -u`, umask 077, the
 * runner's result markers). Only ops whose effects stay in a temp folder are run.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScript, parseRoundTrip, type ParsedRoundTrip } from '../engine/script.js';
import apt from './apt.js';
import authorizedKey from './authorized_key.js';
import command from './command.js';
import { makeCronOp } from './cron.js';
import group from './group.js';
import service from './service.js';
import shell from './shell.js';
import { makeSysctlOp } from './sysctl.js';
import { planContext, removeTempDir, runScript, tempDir } from '../engine/testing/run-local.js';
import type { OpModule, OpPlan } from './types.js';
import user from './user.js';
import waitFor from './wait_for.js';

const NONCE = 'b2test';
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILsNQP8ZYtbLFzJtNMwgxvf7KzqcsldoA2myn/VAGI15 deploy1@ci';

function roundTrip(op: OpModule, parts: { plan?: OpPlan; probe?: string }): ParsedRoundTrip {
  const script = buildScript({
    nonce: NONCE,
    preludes: op.prelude ? [op.prelude] : [],
    staged: parts.plan?.files ?? [],
    applies: parts.plan?.apply ? [{ id: 'a', fragment: parts.plan.apply, notifyFlags: [] }] : [],
    facts: false,
    probes: parts.probe !== undefined ? [{ id: 'p', fragment: parts.probe }] : [],
  });
  return parseRoundTrip(runScript(script).stdout, NONCE);
}

/** probe -> parse -> plan -> apply -> probe -> plan, each step through the engine's script. */
function converge<A, S>(op: OpModule<A, A, S>, raw: unknown) {
  const args = op.args.parse(raw);
  const ctx = planContext();
  const probeOnce = () => {
    const p = roundTrip(op as OpModule, { probe: op.probe(args, { diff: false }) }).probes.get('p')!;
    return op.parse(p, args);
  };
  const plan = op.plan(args, probeOnce(), ctx);
  const applied = plan.changed ? roundTrip(op as OpModule, { plan }).applies[0] : undefined;
  const replan = op.plan(args, probeOnce(), ctx);
  return { plan, applied, replan };
}

describe('B2 ops inside the engine script', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('command: a failing chdir stops the fragment before the command runs (set -e is off in the runner)', () => {
    const marker = join(dir, 'must-not-exist');
    const a = command.args.parse({ cmd: ['touch', marker], chdir: join(dir, 'missing') });
    const r = roundTrip(command as OpModule, { plan: command.plan(a, {}, planContext()) }).applies[0]!;
    expect(r.rc).not.toBe(0);
    expect(r.stderr).toContain("can't cd to");
    expect(() => statSync(marker)).toThrow();
  });

  it('command: creates converges, and files it creates get umask 022 modes', () => {
    const out = join(dir, 'made');
    const r = converge(command, { cmd: ['sh', '-c', `echo hi > ${out}`], creates: out });
    expect(r.applied).toMatchObject({ rc: 0, changed: true });
    expect(statSync(out).mode & 0o777).toBe(0o644);
    expect(r.replan.changed).toBe(false);
  });

  it('command: the apply re-check reports unchanged through the runner', () => {
    const f = join(dir, 'exists');
    writeFileSync(f, '');
    const a = command.args.parse({ cmd: ['false'], creates: f });
    const r = roundTrip(command as OpModule, { plan: command.plan(a, { creates: false }, planContext()) }).applies[0]!;
    expect(r).toMatchObject({ rc: 0, changed: false, stdout: '' });
  });

  it('shell: staged script with env and chdir; stdout comes back', () => {
    const a = shell.args.parse({ cmd: 'set -eu\necho "$NAME in $(pwd)"', env: { NAME: 'wp' }, chdir: dir });
    const r = roundTrip(shell as OpModule, { plan: shell.plan(a, {}, planContext()) }).applies[0]!;
    expect(r).toMatchObject({ rc: 0, changed: true, stdout: `wp in ${dir}\n` });
  });

  it('wait_for: a satisfied wait is unchanged', () => {
    const f = join(dir, 'ready');
    writeFileSync(f, '');
    const a = waitFor.args.parse({ path: f, timeout: 2 });
    const r = roundTrip(waitFor as OpModule, { plan: waitFor.plan(a, { seen: 'absent' }, planContext()) }).applies[0]!;
    expect(r).toMatchObject({ rc: 0, changed: false });
  });

  it('cron: converges (probe functions under set -u)', () => {
    const op = makeCronOp(dir);
    const r = converge(op, { name: 'engine-job', job: 'date +%F', special_time: 'daily' });
    expect(r.applied).toMatchObject({ rc: 0, changed: true });
    expect(readFileSync(join(dir, 'engine-job'), 'utf8')).toContain('@daily root date +\\%F\n');
    expect(r.replan.changed).toBe(false);
  });

  it('read-only probes of apt, user, group, service and authorized_key run and parse under set -u', () => {
    const probeOf = <A, S>(op: OpModule<A, A, S>, raw: unknown): S => {
      const args = op.args.parse(raw);
      const out = roundTrip(op as OpModule, { probe: op.probe(args, { diff: false }) }).probes.get('p')!;
      return op.parse(out, args);
    };
    const pkgs = probeOf(apt, { name: ['dash', 'no-such-package-wpha'] });
    expect(pkgs.entries.find((e) => e.name === 'dash')?.status).toBe('ii');
    expect(pkgs.now).toBeGreaterThan(1_600_000_000);
    expect(probeOf(user, { name: 'root', password_lock: true })).toMatchObject({ exists: true, uid: 0, home: '/root', passwordStatus: expect.any(String) });
    expect(probeOf(user, { name: 'no-such-user-wpha' })).toEqual({ exists: false });
    expect(probeOf(group, { name: 'root' })).toMatchObject({ exists: true, gid: 0 });
    const unit = probeOf(service, { name: 'wpha-no-such-unit', state: 'stopped' });
    expect(Object.keys(unit.props).length + unit.messages.length).toBeGreaterThan(0);
    expect(probeOf(authorizedKey, { user: 'root', key: ED25519, path: join(dir, 'none', 'authorized_keys') })).toMatchObject({ userExists: true, home: '/root', gid: 0 });
  });

  it('sysctl: a read-only setting comes back as a warning of the result', () => {
    const op = makeSysctlOp();
    const a = op.args.parse({ name: 'kernel.osrelease', value: 'x', sysctl_file: join(dir, '70-ro.conf') });
    const probe = roundTrip(op as OpModule, { probe: op.probe(a, { diff: false }) }).probes.get('p')!;
    const state = op.parse(probe, a);
    expect(state.writable).toBe(false);
    const r = roundTrip(op as OpModule, { plan: op.plan(a, state, planContext()) }).applies[0]!;
    expect(r.rc).toBe(0);
    expect(r.warnings).toEqual([`kernel setting kernel.osrelease saved to ${dir}/70-ro.conf but not applied: /proc/sys is read-only on this host`]);
  });
});
