import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import command, { type CommandArgs } from './command.js';
import { joinSteps } from './lib/plan-file.js';
import { splitCommand } from './command-split.js';
import { converge, planContext, removeTempDir, runApply, runProbe, tempDir } from '../engine/testing/run-local.js';

const args = (a: unknown): CommandArgs => command.args.parse(a);

describe('splitCommand', () => {
  it.each([
    ['systemctl daemon-reload', ['systemctl', 'daemon-reload']],
    ['  wp  core   install ', ['wp', 'core', 'install']],
    [`wp option update blogname 'My Shop'`, ['wp', 'option', 'update', 'blogname', 'My Shop']],
    [`mysql -e "SELECT 1"`, ['mysql', '-e', 'SELECT 1']],
    [`--title="A 'quoted' title"`, ["--title=A 'quoted' title"]],
    [`echo ''`, ['echo', '']],
    [`find /var/www -name '*.php'`, ['find', '/var/www', '-name', '*.php']],
    [`printf '$HOME|x'`, ['printf', '$HOME|x']],
    ['a=b c', null],
    ['--opt=b c', ['--opt=b', 'c']],
    ['ls dir#1', ['ls', 'dir#1']],
    ['echo a,b {} !', ['echo', 'a,b', '{}', '!']],
  ])('%s', (text, expected) => {
    const r = splitCommand(text);
    if (expected === null) {
      expect(r.ok).toBe(false);
      return;
    }
    expect(r).toEqual({ ok: true, argv: expected });
  });

  it.each([
    ['ls | wc -l', /"\|" outside quotes \(column 4\)/],
    ['echo $HOME', /"\$" outside quotes/],
    ['echo "$HOME"', /"\$" inside double quotes/],
    ['echo `id`', /"`" outside quotes/],
    ['rm -rf /tmp/*', /"\*" outside quotes/],
    ['cat ~/.bashrc', /"~" at the start of a word/],
    ['echo hi # comment', /"#" at the start of a word/],
    ['true && false', /"&" outside quotes/],
    ['echo a > b', /">" outside quotes/],
    ["echo 'open", /unterminated single quote/],
    ['echo "open', /unterminated double quote/],
    ['echo a\nrm b', /a newline/],
    ['FOO=bar env', /variable assignment \("FOO=\.\.\."\): set it with env/],
    ['   ', /cmd is empty/],
    ['echo a\\ b', /"\\" outside quotes/],
  ])('refuses %j', (text, re) => {
    const r = splitCommand(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(re);
  });

  it('points to the list form and the shell op', () => {
    const r = splitCommand('ls | wc');
    expect(!r.ok && r.error).toContain('use the list form of cmd to pass it literally, or the shell op');
  });
});

describe('command args', () => {
  it.each([
    [{ cmd: ['wp', 'core', 'is-installed'] }, true],
    [{ cmd: 'wp core is-installed', chdir: '/var/www', become_user: 'www-data', env: { WP_CLI_CACHE_DIR: '/tmp/x', N: 3 } }, true],
    [{ cmd: 'ls | wc' }, false],
    [{ cmd: [] }, false],
    [{ cmd: 'x', chdir: 'relative' }, false],
    [{ cmd: 'x', creates: 'wp-config.php' }, false],
    [{ cmd: 'x', env: { 'BAD-NAME': '1' } }, false],
    [{ cmd: 'x', become_user: 'Root' }, false],
    [{ cmd: 'x', shell: true }, false],
  ])('%j valid=%s', (input, ok) => expect(command.args.safeParse(input).success).toBe(ok));

  it('keeps the split argv and stringifies env values', () => {
    const a = args({ cmd: `wp option update blogname 'My Shop'`, env: { N: 3, B: true } });
    expect(a.argv).toEqual(['wp', 'option', 'update', 'blogname', 'My Shop']);
    expect(a.env).toEqual({ N: '3', B: 'true' });
  });

  it('reports the split error on cmd', () => {
    const r = command.args.safeParse({ cmd: 'cat /etc/*.conf' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['cmd']);
    expect(r.error?.issues[0]?.message).toMatch(/"\*" outside quotes/);
  });
});

describe('command plan (pure)', () => {
  const ctx = planContext();
  it('without conditions it always runs', () => {
    const plan = command.plan(args({ cmd: ['systemctl', 'daemon-reload'] }), {}, ctx);
    expect(plan.changed).toBe(true);
    expect(plan.summary).toEqual(['run systemctl daemon-reload']);
    expect(plan.apply).toBe(joinSteps('umask 022', 'systemctl daemon-reload </dev/null'));
  });
  it('quotes every word, sets context, never puts env values in argv', () => {
    const plan = command.plan(args({ cmd: ['wp', 'user', 'create', "o'neil", 'a b'], chdir: '/var/www/my site', become_user: 'www-data', env: { WP_PASS: 's3cr$t' } }), {}, ctx);
    expect(plan.summary).toEqual([`run wp user create 'o'\\''neil' 'a b' as www-data in /var/www/my site with env WP_PASS`]);
    expect(plan.apply).toBe(joinSteps('umask 022', `cd -- '/var/www/my site'`, `export WP_PASS='s3cr$t'`, `runuser -u www-data -- wp user create 'o'\\''neil' 'a b' </dev/null`));
  });
  it.each([
    [{ creates: '/x' }, { creates: true }, false],
    [{ creates: '/x' }, { creates: false }, true],
    [{ removes: '/x' }, { removes: false }, false],
    [{ removes: '/x' }, { removes: true }, true],
    [{ unless: 'test -e /x' }, { unlessRc: 0 }, false],
    [{ unless: 'test -e /x' }, { unlessRc: 1 }, true],
  ])('conditions %j with state %j -> changed=%s', (cond, state, changed) => {
    const plan = command.plan(args({ cmd: 'true', ...cond }), state, ctx);
    expect(plan.changed).toBe(changed);
    expect(plan.apply === undefined).toBe(!changed);
  });
  it('stdin goes through the stage', () => {
    const plan = command.plan(args({ cmd: 'mysql', stdin: 'CREATE DATABASE wp;' }), {}, ctx);
    expect(plan.files).toHaveLength(1);
    expect(plan.files![0]!.content.toString()).toBe('CREATE DATABASE wp;');
    expect(plan.apply).toBe(joinSteps('umask 022', `mysql <"$WPHA_STAGE/${plan.files![0]!.sha256}"`));
    expect(plan.apply).not.toContain('CREATE');
  });
  it('register value strips markers and the trailing newline', () => {
    expect(command.registerValue!({ changed: false, rc: 0, output: 'a\nb\n@@WPHA_UNCHANGED\n' }, args({ cmd: 'x' }))).toEqual({
      rc: 0,
      stdout: 'a\nb',
      changed: false,
    });
  });
  it('barrier and resources', () => {
    expect(command.barrier).toBe(true);
    expect(command.resources(args({ cmd: 'x', creates: '/a', chdir: '/b' }))).toEqual(['/a', '/b']);
  });
});

describe('command run locally with /bin/sh (temp dir only)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('creates: runs once, then converged', () => {
    const marker = join(dir, 'done');
    const r = converge(command, { cmd: ['touch', marker], creates: marker }, { scratch: dir });
    expect(r.plan.changed).toBe(true);
    expect(r.applied?.rc).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(r.replan?.changed).toBe(false);
  });

  it('removes: runs while the file exists', () => {
    const f = join(dir, 'to-remove');
    writeFileSync(f, 'x');
    const r = converge(command, { cmd: ['rm', '--', f], removes: f }, { scratch: dir });
    expect(r.applied?.rc).toBe(0);
    expect(existsSync(f)).toBe(false);
    expect(r.replan?.changed).toBe(false);
  });

  it('unless runs in the probe with chdir and env', () => {
    writeFileSync(join(dir, 'flag'), '1');
    const a = args({ cmd: ['false'], chdir: dir, env: { F: 'flag' }, unless: 'test -e "$F"' });
    expect(command.parse(runProbe(command, a), a)).toEqual({ unlessRc: 0 });
    const b = args({ cmd: ['false'], chdir: dir, env: { F: 'nope' }, unless: ['test', '-e', 'nope'] });
    expect(command.parse(runProbe(command, b), b).unlessRc).toBe(1);
  });

  it('the apply re-checks creates and reports unchanged', () => {
    const marker = join(dir, 'already');
    const a = args({ cmd: ['false'], creates: marker });
    const plan = command.plan(a, { creates: false }, planContext());
    writeFileSync(marker, '');
    const r = runApply(command, plan, dir);
    expect(r.rc).toBe(0);
    expect(r.stdout.trim()).toBe('@@WPHA_UNCHANGED');
  });

  it('literal words, env, chdir and staged stdin reach the program unchanged', () => {
    const a = args({
      cmd: ['sh', '-c', 'pwd; printf "%s|" "$@"; echo "$GREETING"; cat', 'x', 'a b', '$HOME', "it's"],
      chdir: dir,
      env: { GREETING: 'hi $USER `id`' },
      stdin: 'from stdin\n',
    });
    const plan = command.plan(a, {}, planContext());
    const r = runApply(command, plan, dir);
    expect(r.rc).toBe(0);
    expect(r.stdout).toBe(`${dir}\na b|$HOME|it's|hi $USER \`id\`\nfrom stdin\n`);
    expect(command.registerValue!({ changed: true, rc: r.rc, output: r.stdout }, a).stdout).toBe(`${dir}\na b|$HOME|it's|hi $USER \`id\`\nfrom stdin`);
  });

  it('a command reading stdin does not eat the rest of the script', () => {
    const plan = command.plan(args({ cmd: ['cat'] }), {}, planContext());
    const r = runApply(command, { ...plan, apply: `${plan.apply}\necho still-here` }, dir);
    expect(r).toMatchObject({ rc: 0, stdout: 'still-here\n' });
  });

  it('a failing command fails the fragment with its status and stderr', () => {
    const plan = command.plan(args({ cmd: ['sh', '-c', 'echo boom >&2; exit 3'] }), {}, planContext());
    const r = runApply(command, plan, dir);
    expect(r.rc).toBe(3);
    expect(r.stderr).toContain('boom');
  });

  it('a missing chdir fails clearly, and the command does not run elsewhere', () => {
    const plan = command.plan(args({ cmd: ['touch', 'made-here'], chdir: join(dir, 'missing') }), {}, planContext());
    const r = runApply(command, plan, dir);
    expect(r.rc).not.toBe(0);
    expect(r.stderr).toContain("can't cd to");
    expect(existsSync(join(dir, 'made-here'))).toBe(false);
  });
});
