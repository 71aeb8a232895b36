import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileState } from './lib/file-state.js';
import cron, { cronFileContent, escapePercent, makeCronOp, type CronArgs } from './cron.js';
import { converge, planContext, removeTempDir, tempDir } from '../engine/testing/run-local.js';

const args = (a: unknown): CronArgs => cron.args.parse(a);
const fixtures = join(import.meta.dirname, 'fixtures', 'cron');
const WP = { name: 'wp-cron', minute: '*/5', user: 'www-data', job: 'cd /var/www && php wp-cron.php', env: { MAILTO: '' } };
const load = (name: string): FileState => cron.parse({ stdout: readFileSync(join(fixtures, `${name}.txt`), 'utf8'), rc: 0 }, args(WP));

describe('cron args', () => {
  it.each([
    [WP, true],
    [{ name: 'backup', special_time: 'daily', job: '/usr/local/bin/backup' }, true],
    [{ name: 'x', hour: 3, minute: 0, weekday: 'mon-fri', job: 'true' }, true],
    [{ name: 'x', state: 'absent' }, true],
    [{ name: 'x' }, false],
    [{ name: 'wp.cron', job: 'true' }, false],
    [{ name: '../etc/passwd', job: 'true' }, false],
    [{ name: 'x', job: 'true\n* * * * * root rm -rf /' }, false],
    [{ name: 'x', minute: '5 * * * * root evil', job: 'true' }, false],
    [{ name: 'x', special_time: 'daily', hour: 3, job: 'true' }, false],
    [{ name: 'x', special_time: 'sometimes', job: 'true' }, false],
    [{ name: 'x', job: 'true', env: { 'A-B': '1' } }, false],
    [{ name: 'x', job: 'true', env: { PATH: '/bin\nX=1' } }, false],
    [{ name: 'x', job: 'true', user: 'Bad User' }, false],
  ])('%j valid=%s', (input, ok) => expect(cron.args.safeParse(input).success).toBe(ok));

  it('explains special_time conflicts on the field', () => {
    const r = cron.args.safeParse({ name: 'x', special_time: 'daily', hour: 3, job: 'true' });
    expect(r.error?.issues.map((i) => [i.path, i.message])).toEqual([[['hour'], 'hour cannot be combined with special_time']]);
  });
});

describe('cron file content', () => {
  it.each([
    ['date +%F', 'date +\\%F'],
    ['date +\\%F', 'date +\\%F'],
    ['echo 50%% \\\\%x', 'echo 50\\%\\% \\\\\\%x'],
    ['no percent', 'no percent'],
  ])('escapePercent(%j) = %j', (job, expected) => expect(escapePercent(job)).toBe(expected));

  it('five fields, env, user, job', () => {
    expect(cronFileContent(args({ ...WP, env: { MAILTO: '', PATH: '/usr/bin:/bin', GREETING: ' padded ' } }))).toBe(
      [
        '# Managed by wpha (cron task "wp-cron"); changes made here are overwritten.',
        'MAILTO=""',
        'PATH=/usr/bin:/bin',
        'GREETING=" padded "',
        '*/5 * * * * www-data cd /var/www && php wp-cron.php',
        '',
      ].join('\n'),
    );
  });

  it('special time', () => {
    expect(
      cronFileContent(args({ name: 'b', special_time: 'reboot', job: 'x' }))
        .split('\n')
        .at(-2),
    ).toBe('@reboot root x');
  });
});

describe('cron plan (recorded probe output)', () => {
  const ctx = planContext();
  it('creates a missing job file root:root 0644', () => {
    const plan = cron.plan(args(WP), load('absent'), ctx);
    expect(plan.changed).toBe(true);
    expect(plan.summary[0]).toBe('schedule "wp-cron": */5 * * * * www-data cd /var/www && php wp-cron.php');
    expect(plan.files?.[0]?.content.toString()).toBe(cronFileContent(args(WP)));
    expect(plan.apply).toBe(`wpha_put "$WPHA_STAGE"/${plan.files?.[0]?.sha256} /etc/cron.d/wp-cron 0644 root root '' '' '' ''`);
  });
  it('same content and attributes: nothing', () => {
    expect(cron.plan(args(WP), load('same'), ctx)).toEqual({ changed: false, summary: [] });
  });
  it('changed job and group-writable mode: rewrite, with a diff', () => {
    const plan = cron.plan(args(WP), load('different-diff'), planContext({ diff: true }));
    expect(plan.summary[0]).toMatch(/^reschedule "wp-cron": /);
    expect(plan.summary).toContain('/etc/cron.d/wp-cron: mode 0664 -> 0644');
    expect(plan.diff).toContain('-*/10 * * * * www-data php /var/www/wp-cron.php');
    expect(plan.diff).toContain('+*/5 * * * * www-data cd /var/www && php wp-cron.php');
  });
  it('absent removes the file', () => {
    const plan = cron.plan(args({ name: 'wp-cron', state: 'absent' }), load('same'), ctx);
    expect(plan).toMatchObject({ changed: true, summary: ['remove /etc/cron.d/wp-cron'], apply: 'rm -f -- /etc/cron.d/wp-cron' });
    expect(cron.plan(args({ name: 'wp-cron', state: 'absent' }), load('absent'), ctx).changed).toBe(false);
  });
});

describe('cron run locally with /bin/sh (temp cron dir)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('writes, converges, rewrites on change, then removes', () => {
    const op = makeCronOp(dir);
    const first = converge(op, WP, { scratch: dir });
    expect(first.applied?.rc).toBe(0);
    const file = join(dir, 'wp-cron');
    expect(readFileSync(file, 'utf8')).toBe(cronFileContent(args(WP)));
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(first.replan?.changed).toBe(false);

    writeFileSync(file, 'edited by hand\n');
    const second = converge(op, { ...WP, job: 'date +%F >> /tmp/x' }, { scratch: dir });
    expect(second.applied?.rc).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('www-data date +\\%F >> /tmp/x\n');
    expect(second.replan?.changed).toBe(false);

    const gone = converge(op, { name: 'wp-cron', state: 'absent' }, { scratch: dir });
    expect(gone.applied?.rc).toBe(0);
    expect(gone.replan?.changed).toBe(false);
    expect(() => statSync(file)).toThrow();
  });

  it('fixes a group-writable mode without rewriting', () => {
    const op = makeCronOp(dir);
    const a = args({ name: 'modes', job: 'true' });
    writeFileSync(join(dir, 'modes'), cronFileContent(a));
    chmodSync(join(dir, 'modes'), 0o664);
    const r = converge(op, a, { scratch: dir });
    expect(r.plan.summary).toEqual([`${dir}/modes: mode 0664 -> 0644`]);
    expect(r.replan?.changed).toBe(false);
    expect(statSync(join(dir, 'modes')).mode & 0o777).toBe(0o644);
  });
});
