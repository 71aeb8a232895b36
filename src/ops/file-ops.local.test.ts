// Shell-level harness for the file ops: each case really runs probe -> plan -> apply -> probe ->
// plan with /bin/sh on this machine, confined to a fresh temp folder, and checks the second plan
// says "unchanged" and the files on disk are what was asked.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import blockinfileOp from './blockinfile.js';
import copyOp from './copy.js';
import fileOp from './file.js';
import lineinfileOp from './lineinfile.js';
import templateOp from './template.js';
import type { OpModule } from './types.js';
import { converge, localPrepareContext, planContext, removeTempDir, runApplyInEngineScript, runProbeInEngineScript, tempDir, writeRole } from '../engine/testing/run-local.js';

let tmp: string;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => removeTempDir(tmp));

/** Converge, assert it applied cleanly and converged, return the result. */
function convergeOk(op: OpModule, args: unknown, opts: { diff?: boolean; roleFiles?: Record<string, string>; vars?: Record<string, unknown> } = {}) {
  const role = join(tmp, 'role');
  if (opts.roleFiles) writeRole(role, opts.roleFiles);
  const r = converge(op, args, { engine: true, scratch: tmp, diff: opts.diff ?? true, prepare: localPrepareContext(role, opts.vars) });
  if (r.applied) expect(r.applied.stderr).toBe('');
  if (r.applied) expect(r.applied.rc).toBe(0);
  if (r.plan.changed) expect(r.replan?.changed, `second plan still changes: ${r.replan?.summary.join('; ')}`).toBe(false);
  return r;
}

const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');

describe('file (local)', () => {
  it('creates nested directories with a mode, then is unchanged', () => {
    const p = join(tmp, 'srv/www/shop');
    const r = convergeOk(fileOp, { path: p, state: 'directory', mode: '2750' });
    expect(r.plan.summary[0]).toContain('and its missing parents');
    expect(statSync(p).isDirectory()).toBe(true);
    expect(mode(p)).toBe('2750');
  });

  it('creates directories 0755 and touched files 0644 by default, despite the engine umask 077', () => {
    const d = join(tmp, 'a/b');
    convergeOk(fileOp, { path: d, state: 'directory' });
    expect([mode(join(tmp, 'a')), mode(d)]).toEqual(['0755', '0755']);
    const f = join(d, 'f');
    convergeOk(fileOp, { path: f, state: 'touch' });
    expect(mode(f)).toBe('0644');
    const c = join(d, 'c.conf');
    convergeOk(copyOp, { dest: c, content: 'x' });
    expect(mode(c)).toBe('0644');
  });

  it('touches a file, fixes its mode, links to it, relinks, and removes a tree', () => {
    const f = join(tmp, 'a.log');
    convergeOk(fileOp, { path: f, state: 'touch', mode: '0600' });
    expect(readFileSync(f, 'utf8')).toBe('');
    expect(mode(f)).toBe('0600');
    expect(convergeOk(fileOp, { path: f, mode: '0640' }).plan.summary).toEqual([`${f}: mode 0600 -> 0640`]);

    const l = join(tmp, 'current');
    convergeOk(fileOp, { path: l, state: 'link', src: 'a.log' });
    expect(readlinkSync(l)).toBe('a.log');
    convergeOk(fileOp, { path: l, state: 'link', src: 'b.log' });
    expect(readlinkSync(l)).toBe('b.log');

    const d = join(tmp, 'old/deep');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'x'), 'x');
    expect(convergeOk(fileOp, { path: join(tmp, 'old'), state: 'absent' }).plan.summary[0]).toMatch(/everything in it/);
    expect(existsSync(join(tmp, 'old'))).toBe(false);
  });

  it('replaces a file with a link only with force', () => {
    const p = join(tmp, 'x');
    writeFileSync(p, 'data');
    expect(() => convergeOk(fileOp, { path: p, state: 'link', src: '/etc/hostname' })).toThrow(/force: true/);
    convergeOk(fileOp, { path: p, state: 'link', src: '/etc/hostname', force: true });
    expect(lstatSync(p).isSymbolicLink()).toBe(true);
  });

  it('state file fails clearly at apply when the file is missing', () => {
    const r = converge(fileOp, { path: join(tmp, 'nope'), mode: '0644' }, { engine: true, scratch: tmp });
    expect(r.applied?.rc).toBe(1);
    expect(r.applied?.stderr).toContain('does not exist (state: file does not create files');
  });
});

describe('copy / template (local)', () => {
  it('creates, leaves alone, updates with backup and a diff', () => {
    const dest = join(tmp, 'app.conf');
    const first = convergeOk(copyOp, { dest, content: 'a=1\nb=2\n', mode: '0640' });
    expect(first.plan.diff).toContain('+a=1\n+b=2\n');
    expect(readFileSync(dest, 'utf8')).toBe('a=1\nb=2\n');
    expect(mode(dest)).toBe('0640');
    expect(convergeOk(copyOp, { dest, content: 'a=1\nb=2\n', mode: '0640' }).plan.changed).toBe(false);

    const upd = convergeOk(copyOp, { dest, content: 'a=1\nb=3\n', backup: true });
    expect(upd.plan.diff).toContain('-b=2\n+b=3\n');
    expect(mode(dest)).toBe('0640'); // kept from the old file
    const baks = readdirBackups(tmp, 'app.conf');
    expect(baks).toHaveLength(1);
    expect(readFileSync(join(tmp, baks[0]!), 'utf8')).toBe('a=1\nb=2\n');
  });

  it('copies a role file and validates before replacing', () => {
    const dest = join(tmp, 'sudoers');
    writeFileSync(dest, 'old\n');
    const bad = converge(copyOp, { dest, src: 'rules', validate: 'grep -q "^ok" %s' }, { engine: true, scratch: tmp, prepare: roleWith({ 'files/rules': 'broken\n' }) });
    expect(bad.applied?.rc).toBe(1);
    expect(bad.applied?.stderr).toContain('validation of the new');
    expect(readFileSync(dest, 'utf8')).toBe('old\n');
    convergeOk(copyOp, { dest, src: 'rules', validate: 'grep -q "^ok" %s' }, { roleFiles: { 'files/rules': 'ok\n' } });
    expect(readFileSync(dest, 'utf8')).toBe('ok\n');
  });

  it('refuses a symlinked dest, and writes its target with follow', () => {
    const target = join(tmp, 'real.conf');
    writeFileSync(target, 'old');
    symlinkSync('real.conf', join(tmp, 'link.conf'));
    expect(() => converge(copyOp, { dest: join(tmp, 'link.conf'), content: 'new' }, { engine: true, scratch: tmp })).toThrow(/symbolic link/);
    convergeOk(copyOp, { dest: join(tmp, 'link.conf'), content: 'new', follow: true });
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(lstatSync(join(tmp, 'link.conf')).isSymbolicLink()).toBe(true);
  });

  it('fails clearly when the directory is missing', () => {
    const r = converge(copyOp, { dest: join(tmp, 'no/such/file'), content: 'x' }, { engine: true, scratch: tmp });
    expect(r.plan.warnings?.[0]).toContain('does not exist yet');
    expect(r.applied?.rc).toBe(1);
    expect(r.applied?.stderr).toContain('does not exist (create it first');
  });

  it('renders a template with role vars and restores the old file when the live check fails', () => {
    const dest = join(tmp, 'site.conf');
    const roleFiles = { 'templates/site.hbs': 'server_name {{ domain }};\nlisten {{ port }};\n' };
    convergeOk(templateOp, { src: 'site.hbs', dest, validate_live: `grep -q listen ${dest}` }, { roleFiles, vars: { domain: 'shop.example', port: 80 } });
    expect(readFileSync(dest, 'utf8')).toBe('server_name shop.example;\nlisten 80;\n');
    const r = converge(templateOp, { src: 'site.hbs', dest, validate_live: `grep -q 8080 ${dest}` }, { engine: true, scratch: tmp, prepare: roleWith(roleFiles, { domain: 'x', port: 81 }) });
    expect(r.applied?.rc).toBe(1);
    expect(r.applied?.stderr).toContain('previous file was put back');
    expect(readFileSync(dest, 'utf8')).toBe('server_name shop.example;\nlisten 80;\n');
  });
});

function roleWith(files: Record<string, string>, vars: Record<string, unknown> = {}) {
  const role = join(tmp, 'role');
  writeRole(role, files);
  return localPrepareContext(role, vars);
}

function readdirBackups(dir: string, name: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith(`${name}.`) && n.endsWith('.wpha-bak'));
}

describe('lineinfile / blockinfile (local)', () => {
  const PHP = '[PHP]\nmemory_limit = 128M\n;date.timezone =\n';

  it('edits a php.ini-like file in place and converges', () => {
    const p = join(tmp, 'php.ini');
    writeFileSync(p, PHP);
    convergeOk(lineinfileOp, { path: p, regexp: '^memory_limit', line: 'memory_limit = 512M' });
    convergeOk(lineinfileOp, { path: p, regexp: '^;?date\\.timezone', line: 'date.timezone = UTC' });
    convergeOk(lineinfileOp, { path: p, line: 'opcache.enable = 1', insertafter: '^\\[PHP\\]' });
    expect(readFileSync(p, 'utf8')).toBe('[PHP]\nopcache.enable = 1\nmemory_limit = 512M\ndate.timezone = UTC\n');
    convergeOk(lineinfileOp, { path: p, state: 'absent', regexp: '^opcache' });
    expect(readFileSync(p, 'utf8')).toBe('[PHP]\nmemory_limit = 512M\ndate.timezone = UTC\n');
  });

  it('creates the file when asked, fails clearly when not', () => {
    const p = join(tmp, 'new.conf');
    const r = converge(lineinfileOp, { path: p, line: 'a=1' }, { engine: true, scratch: tmp });
    expect(r.applied?.rc).toBe(1);
    expect(r.applied?.stderr).toContain('does not exist (set create: true');
    convergeOk(lineinfileOp, { path: p, line: 'a=1', create: true, mode: '0600' });
    expect(readFileSync(p, 'utf8')).toBe('a=1\n');
    expect(mode(p)).toBe('0600');
  });

  it('refuses to overwrite a file that changed after the probe', () => {
    const p = join(tmp, 'redis.conf');
    writeFileSync(p, 'port 6379\n');
    const a = lineinfileOp.args.parse({ path: p, line: 'maxmemory 1gb' });
    const plan = lineinfileOp.plan(a, lineinfileOp.parse(runProbeInEngineScript(lineinfileOp, a), a), planContext());
    writeFileSync(p, 'port 6380\n'); // someone else edits in between
    const r = runApplyInEngineScript(lineinfileOp, plan);
    expect(r.rc).toBe(1);
    expect(r.stderr).toContain('changed on the host since it was read; run again');
    expect(readFileSync(p, 'utf8')).toBe('port 6380\n');
  });

  it('manages a block in /etc/hosts-like text, then removes it', () => {
    const p = join(tmp, 'hosts');
    writeFileSync(p, '127.0.0.1 localhost\n');
    convergeOk(blockinfileOp, { path: p, block: '10.0.0.1 db1\n10.0.0.2 db2\n' });
    convergeOk(blockinfileOp, { path: p, block: '10.0.0.1 db1\n' });
    expect(readFileSync(p, 'utf8')).toBe('127.0.0.1 localhost\n# BEGIN MANAGED BY wpha\n10.0.0.1 db1\n# END MANAGED BY wpha\n');
    convergeOk(blockinfileOp, { path: p, state: 'absent' });
    expect(readFileSync(p, 'utf8')).toBe('127.0.0.1 localhost\n');
  });
});
