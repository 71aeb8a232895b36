import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationError } from '../errors.js';
import { planContext, removeTempDir, runApply, runProbe, runScript, tempDir } from '../engine/testing/run-local.js';
import { joinSteps } from './lib/plan-file.js';
import waitFor, { target, type WaitForArgs } from './wait_for.js';

const args = (a: unknown): WaitForArgs => waitFor.args.parse(a);
const ctx = planContext();

describe('wait_for args', () => {
  it.each([
    [{ port: 3306 }, true],
    [{ port: 3306, host: 'db1.lab', state: 'stopped', timeout: 5 }, true],
    [{ path: '/run/mysqld/mysqld.sock' }, true],
    [{ path: '/x', state: 'absent' }, true],
    [{ url: 'http://127.0.0.1/wp-login.php', status: 200 }, true],
    [{ url: 'https://127.0.0.1/', validate_certs: false }, true],
    [{}, false],
    [{ port: 80, path: '/x' }, false],
    [{ port: 0 }, false],
    [{ port: 80, state: 'present' }, false],
    [{ path: '/x', state: 'started' }, false],
    [{ path: 'relative' }, false],
    [{ url: 'ftp://x/' }, false],
    [{ url: 'http://x/', state: 'started' }, false],
    [{ port: 80, host: 'a b' }, false],
    [{ port: 80, host: '$(reboot)' }, false],
    [{ port: 80, timeout: 0 }, false],
  ])('%j valid=%s', (input, ok) => expect(waitFor.args.safeParse(input).success).toBe(ok));

  it.each([
    [{ port: 3306 }, ['port', '127.0.0.1', 3306], 'open', 'port 127.0.0.1:3306 to be open'],
    [{ port: 80, host: '::1', state: 'stopped' }, ['port', '::1', 80], 'closed', 'port ::1:80 to be closed'],
    [{ path: '/x', state: 'absent' }, ['path', '/x'], 'absent', '/x to disappear'],
    [
      { url: 'http://web1:8080/health?x=1', status: 204 },
      ['url', 'http://web1:8080/health?x=1', 'web1', '8080', '/health?x=1', 'web1:8080', 'verify'],
      '204',
      'http://web1:8080/health?x=1 to answer 204',
    ],
    [{ url: 'https://[::1]/', validate_certs: false }, ['url', 'https://[::1]/', '::1', '443', '/', '[::1]', 'insecure'], '200', 'https://[::1]/ to answer 200'],
  ])('target of %j', (a, words, expectSeen, what) => {
    expect(target(args(a))).toEqual({ words, expect: expectSeen, what });
  });
});

describe('wait_for plan (pure)', () => {
  it('satisfied: nothing to do', () => {
    expect(waitFor.plan(args({ port: 22 }), { seen: 'open' }, ctx)).toEqual({ changed: false, summary: [] });
  });
  it('not yet: poll in the apply, after the delay', () => {
    const plan = waitFor.plan(args({ port: 3306, timeout: 30, delay: 2 }), { seen: 'closed' }, ctx);
    expect(plan.summary).toEqual(['wait up to 30 s for port 127.0.0.1:3306 to be open (now: closed)']);
    expect(plan.apply).toBe(joinSteps('sleep 2', "wpha_wait_until open 30 'port 127.0.0.1:3306 to be open' port 127.0.0.1 3306"));
  });
  it('no HTTP answer is described as such', () => {
    expect(waitFor.plan(args({ url: 'http://127.0.0.1/' }), { seen: '000' }, ctx).summary[0]).toMatch(/\(now: no answer\)$/);
  });
  it('a check that cannot run is a plan error', () => {
    expect(() => waitFor.plan(args({ url: 'https://127.0.0.1/' }), { seen: '!https needs curl or wget on the host' }, ctx)).toThrow(OperationError);
  });
});

describe('wait_for run locally with /bin/sh (temp dir, loopback only)', () => {
  let dir = '';
  let openServer: Server;
  let openPort = 0;
  let closedPort = 0;
  let http: ChildProcess | undefined;
  let httpPort = 0;

  beforeAll(async () => {
    dir = tempDir();
    // The kernel completes connections to a listening socket even while this process is blocked
    // in spawnSync, so an in-process listener is enough for the port checks.
    openServer = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => openServer.once('listening', r));
    openPort = (openServer.address() as { port: number }).port;
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    // HTTP needs a separate process to answer while the tests block.
    const code = `require('http').createServer((q,s)=>{s.statusCode=q.url==='/ok'?200:503;s.end('x')}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`;
    http = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    httpPort = await new Promise<number>((resolve) => http!.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  });

  afterAll(async () => {
    http?.kill();
    await new Promise((r) => openServer.close(r));
    removeTempDir(dir);
  });

  const probeSeen = (a: WaitForArgs) => waitFor.parse(runProbe(waitFor, a), a).seen;

  it('port probe sees open and closed ports', () => {
    expect(probeSeen(args({ port: openPort }))).toBe('open');
    expect(probeSeen(args({ port: closedPort }))).toBe('closed');
  });

  it('url probe reads the status with curl', () => {
    expect(probeSeen(args({ url: `http://127.0.0.1:${httpPort}/ok` }))).toBe('200');
    expect(probeSeen(args({ url: `http://127.0.0.1:${httpPort}/down` }))).toBe('503');
    expect(probeSeen(args({ url: `http://127.0.0.1:${closedPort}/` }))).toBe('000');
  });

  it('url check without curl or wget falls back to /dev/tcp for http, refuses https', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const t of ['bash', 'timeout', 'date', 'sleep']) symlinkSync(`/usr/bin/${t}`, join(bin, t));
    const a = target(args({ url: `http://127.0.0.1:${httpPort}/down` })).words.join(' ');
    const r = runScript(`${waitFor.prelude}\nPATH=${bin}\necho "$(wpha_wait_once ${a})"; wpha_wait_once url https://x/ x 443 / x verify`);
    expect(r.stdout).toBe('503\n!https needs curl or wget on the host\n');
  });

  it.runIf(existsSync('/usr/bin/wget'))('url check with wget when curl is missing', () => {
    const bin = join(dir, 'bin-wget');
    mkdirSync(bin);
    for (const t of ['bash', 'timeout', 'date', 'sleep', 'wget', 'awk']) symlinkSync(realpathSync(`/usr/bin/${t}`), join(bin, t));
    const a = target(args({ url: `http://127.0.0.1:${httpPort}/down` })).words.join(' ');
    expect(runScript(`${waitFor.prelude}\nPATH=${bin}\nwpha_wait_once ${a}`).stdout).toBe('503\n');
  });

  it('path: the apply waits until another process creates it, and reports unchanged', () => {
    const f = join(dir, 'ready.sock');
    const a = args({ path: f, timeout: 10 });
    const plan = waitFor.plan(a, waitFor.parse(runProbe(waitFor, a), a), ctx);
    expect(plan.changed).toBe(true);
    const started = Date.now();
    const r = runApply(waitFor, { ...plan, apply: `( sleep 1; : > ${JSON.stringify(f)} ) &\n${plan.apply}` }, dir);
    expect(r).toMatchObject({ rc: 0, stdout: '@@WPHA_UNCHANGED\n' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(waitFor.plan(a, waitFor.parse(runProbe(waitFor, a), a), ctx).changed).toBe(false);
  });

  it('times out with what it saw last', () => {
    const a = args({ port: closedPort, timeout: 1 });
    const r = runApply(waitFor, waitFor.plan(a, { seen: 'closed' }, ctx), dir);
    expect(r.rc).not.toBe(0);
    expect(r.stderr).toContain(`timed out after 1 s waiting for port 127.0.0.1:${closedPort} to be open (last seen: closed)`);
  });

  it('url apply succeeds when the status is already right at run time', () => {
    writeFileSync(join(dir, 'x'), '');
    const a = args({ url: `http://127.0.0.1:${httpPort}/ok`, timeout: 3 });
    const r = runApply(waitFor, waitFor.plan(a, { seen: '000' }, ctx), dir);
    expect(r).toMatchObject({ rc: 0, stdout: '@@WPHA_UNCHANGED\n' });
  });
});
