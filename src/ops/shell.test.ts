import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinSteps } from './lib/plan-file.js';
import shell, { scriptHeadline, type ShellArgs } from './shell.js';
import { converge, planContext, removeTempDir, runApply, runProbe, tempDir } from '../engine/testing/run-local.js';

const args = (a: unknown): ShellArgs => shell.args.parse(a);

describe('shell args', () => {
  it.each([
    [{ cmd: 'set -eu\nwp core is-installed || wp core install' }, true],
    [{ cmd: 'echo hi', executable: '/bin/bash', become_user: 'www-data', creates: '/x' }, true],
    [{ cmd: '' }, false],
    [{ cmd: 'x', executable: 'bash' }, false],
    [{ cmd: 'x', stdin: 'y' }, false],
  ])('%j valid=%s', (input, ok) => expect(shell.args.safeParse(input).success).toBe(ok));
});

describe('shell plan (pure)', () => {
  it('stages the script; it never appears in the fragment', () => {
    const script = 'set -eu\nmysql -uroot -pSECRET -e "CREATE DATABASE wp" | tee /tmp/x\n';
    const plan = shell.plan(args({ cmd: script, chdir: '/srv' }), {}, planContext());
    expect(plan.changed).toBe(true);
    expect(plan.files).toHaveLength(1);
    expect(plan.files![0]!.content.toString()).toBe(script);
    expect(plan.apply).toBe(joinSteps('umask 022', 'cd -- /srv', `/bin/sh "$WPHA_STAGE/${plan.files![0]!.sha256}" </dev/null`));
    expect(plan.apply).not.toContain('SECRET');
    expect(plan.summary).toEqual(['run script: set -eu (+1 more lines) in /srv']);
  });

  it('become_user runs a private copy with runuser and keeps the exit status', () => {
    const plan = shell.plan(args({ cmd: 'id', become_user: 'www-data', executable: '/bin/bash' }), {}, planContext());
    expect(plan.apply).toContain('chown -- www-data "$wpha_script"');
    expect(plan.apply).toContain('runuser -u www-data -- /bin/bash "$wpha_script" </dev/null || wpha_rc=$?');
    expect(plan.apply).toContain('if [ "$wpha_rc" -ne 0 ]; then exit "$wpha_rc"; fi');
  });

  it.each([
    [{ creates: '/x' }, { creates: true }, false],
    [{ unless: ['test', '-d', '/x'] }, { unlessRc: 0 }, false],
    [{ unless: 'test -d /x' }, { unlessRc: 2 }, true],
  ])('conditions %j, state %j -> changed=%s', (cond, state, changed) => {
    expect(shell.plan(args({ cmd: 'true', ...cond }), state, planContext()).changed).toBe(changed);
  });

  it.each([
    ['echo one', 'echo one'],
    ['# comment\n\necho one\necho two\n', 'echo one (+1 more lines)'],
    [`echo ${'x'.repeat(100)}`, `echo ${'x'.repeat(64)}...`],
  ])('headline of %j', (script, headline) => expect(scriptHeadline(script)).toBe(headline));
});

describe('shell run locally with /bin/sh (temp dir only)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('runs shell syntax once and converges with creates', () => {
    const out = join(dir, 'out.txt');
    const script = `set -eu\nfor i in 1 2 3; do echo "line $i"; done | grep -c line > ${JSON.stringify(out)}\necho "$GREETING from $(pwd)"\n`;
    const r = converge(shell, { cmd: script, creates: out, chdir: dir, env: { GREETING: "it's me" } }, { scratch: dir });
    expect(r.applied?.rc).toBe(0);
    expect(r.applied?.stdout).toBe(`it's me from ${dir}\n`);
    expect(readFileSync(out, 'utf8')).toBe('3\n');
    expect(r.replan?.changed).toBe(false);
  });

  it('the executable is honoured (bash arrays)', () => {
    const plan = shell.plan(args({ cmd: 'a=(x y z); echo "${#a[@]}"', executable: '/bin/bash' }), {}, planContext());
    expect(runApply(shell, plan, dir)).toMatchObject({ rc: 0, stdout: '3\n' });
  });

  it('a string unless runs with the executable in the probe', () => {
    const a = args({ cmd: 'false', executable: '/bin/bash', unless: '[[ -d / ]]' });
    expect(shell.parse(runProbe(shell, a), a)).toEqual({ unlessRc: 0 });
  });

  it('a script reading stdin gets /dev/null, and a failure keeps its status', () => {
    const plan = shell.plan(args({ cmd: 'n=$(cat | wc -c); echo "read $n"; exit 4' }), {}, planContext());
    const r = runApply(shell, { ...plan, apply: `${plan.apply}\necho not-reached` }, dir);
    expect(r.rc).toBe(4);
    expect(r.stdout).toBe('read 0\n');
  });

  it('become_user runs as that user and leaves no copy behind', () => {
    const before = readdirSync('/tmp').filter((f) => f.startsWith('wpha-shell.'));
    const plan = shell.plan(args({ cmd: 'id -un; test -r "$0" && echo readable; exit 0', become_user: 'nobody' }), {}, planContext());
    const r = runApply(shell, plan, dir);
    expect(r).toMatchObject({ rc: 0, stdout: 'nobody\nreadable\n' });
    expect(readdirSync('/tmp').filter((f) => f.startsWith('wpha-shell.'))).toEqual(before);
  });

  it('become_user keeps a failing status', () => {
    const plan = shell.plan(args({ cmd: 'exit 5', become_user: 'nobody' }), {}, planContext());
    expect(runApply(shell, plan, dir).rc).toBe(5);
    expect(existsSync(dir)).toBe(true);
  });
});
