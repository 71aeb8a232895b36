/**
 * The engine on real lab hosts: converge, then a no-op in ONE round trip per host; check mode
 * changes nothing; handlers run only when notified; a failing task stops only its host; an
 * unreachable host is reported while the others converge; a changed host key is refused before
 * anything runs there.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents, tasksOf, hostDone } from '../helpers/wpha-cli.js';

const ROLES = 'test/engine/fixtures/roles';
const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/wpha');

describe('apply on lab hosts', () => {
  let lab: LabHosts;
  let inv: string;
  let a: string;
  let b: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'eng');
    [a, b] = lab.hosts.map((h) => h.name) as [string, string];
    inv = writeLabInventory(lab, { groups: { app: { hosts: [0, 1], roles: ['demo'] } }, roleDirs: [ROLES] }).dir;
  });
  afterAll(async () => lab?.release());

  it('converges both hosts, runs the notified handler once, and skips false conditions', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ev = jsonEvents(r.stdout);
    for (const h of [a, b]) {
      const tasks = tasksOf(ev, h);
      expect(tasks.filter((t) => t.status === 'changed' && !t.handler).map((t) => t.task)).toEqual([
        'demo folder',
        'config',
        'tuning line',
        'per-user files (alice)',
        'per-user files (bob)',
        'one-time init',
        'after the failing task',
      ]);
      expect(tasks.filter((t) => t.status === 'skipped').map((t) => t.task)).toEqual(['never on bookworm', 'fail on one host', 'slow step']);
      expect(tasks.filter((t) => t.handler).map((t) => [t.task, t.status])).toEqual([['config changed', 'changed']]);
    }
    const files = await lab.ssh(a, 'cd /srv/demo && stat -c "%n %a" demo.conf user-alice && cat demo.conf tuning.conf && wc -l < handler-runs && ls');
    expect(files.stdout).toBe(
      [
        'demo.conf 640',
        'user-alice 600',
        `# demo config for ${a}`,
        'greeting=hello',
        'cpus=2',
        'level=1',
        'level=5',
        '1',
        'demo.conf',
        'handler-runs',
        'initialized',
        'last',
        'tuning.conf',
        'user-alice',
        'user-bob',
      ].join('\n'),
    );
  });

  it('re-applies as a no-op in exactly one round trip per host, without running handlers', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code).toBe(0);
    const ev = jsonEvents(r.stdout);
    for (const h of [a, b]) {
      expect(tasksOf(ev, h).filter((t) => t.status === 'changed')).toEqual([]);
      expect(hostDone(ev, h)?.roundTrips).toBe(1);
      expect(hostDone(ev, h)?.recap).toMatchObject({ changed: 0, failed: 0, ok: 7, skipped: 3 });
    }
    expect((await lab.ssh(a, 'wc -l < /srv/demo/handler-runs')).stdout).toBe('1');
  });

  it('plan shows a drifted file with a diff and changes nothing; --detailed-exitcode says 2', async () => {
    await lab.ssh(b, "sed -i 's/^greeting=.*/greeting=drift/' /srv/demo/demo.conf");
    const before = (await lab.ssh(b, 'sha256sum /srv/demo/demo.conf')).stdout;
    const r = await runWpha(['plan', '-i', inv, '--detailed-exitcode']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`${b} | would change | demo | config |`);
    expect(r.stdout).toContain(`${b} |   -greeting=drift`);
    expect(r.stdout).toContain(`${b} |   +greeting=hello`);
    expect(r.stdout).not.toMatch(new RegExp(`${a} \\| would change`));
    expect((await lab.ssh(b, 'sha256sum /srv/demo/demo.conf')).stdout).toBe(before);
    const fixed = await runWpha(['apply', '-i', inv, '-l', b, '--json']);
    expect(
      tasksOf(jsonEvents(fixed.stdout), b)
        .filter((t) => t.status === 'changed')
        .map((t) => t.task),
    ).toEqual(['config', 'config changed']);
    expect((await runWpha(['plan', '-i', inv, '--detailed-exitcode'])).code).toBe(0);
  });

  it('a task failing on one host stops that host only; the other converges', async () => {
    await lab.ssh(a, 'rm /srv/demo/last');
    await lab.ssh(b, 'rm /srv/demo/last');
    const r = await runWpha(['apply', '-i', inv, '-e', `demo_fail_on=${a}`, '--json']);
    expect(r.code).toBe(1);
    const ev = jsonEvents(r.stdout);
    const failed = tasksOf(ev, a).find((t) => t.status === 'failed');
    expect(failed?.task).toBe('fail on one host');
    expect(failed?.error).toMatch(/exit 3: demo failure on purpose/);
    expect(tasksOf(ev, a).map((t) => t.task)).not.toContain('after the failing task');
    expect(tasksOf(ev, b).find((t) => t.task === 'after the failing task')?.status).toBe('changed');
    expect((await lab.ssh(a, 'test -e /srv/demo/last; echo $?')).stdout).toBe('1');
    expect((await lab.ssh(b, 'cat /srv/demo/last')).stdout).toBe('done');
  });

  it('--force-handlers runs the handlers a failed host was notified for', async () => {
    await lab.ssh(a, "sed -i 's/^greeting=.*/greeting=drift/' /srv/demo/demo.conf");
    const without = await runWpha(['apply', '-i', inv, '-l', a, '-e', `demo_fail_on=${a}`, '--json']);
    expect(without.code).toBe(1);
    expect(tasksOf(jsonEvents(without.stdout), a).filter((t) => t.handler)).toEqual([]);
    const runsBefore = Number((await lab.ssh(a, 'wc -l < /srv/demo/handler-runs')).stdout);
    await lab.ssh(a, "sed -i 's/^greeting=.*/greeting=drift/' /srv/demo/demo.conf");
    const forced = await runWpha(['apply', '-i', inv, '-l', a, '-e', `demo_fail_on=${a}`, '--force-handlers', '--json']);
    expect(forced.code).toBe(1);
    expect(
      tasksOf(jsonEvents(forced.stdout), a)
        .filter((t) => t.handler)
        .map((t) => [t.task, t.status]),
    ).toEqual([['config changed', 'changed']]);
    expect(Number((await lab.ssh(a, 'wc -l < /srv/demo/handler-runs')).stdout)).toBe(runsBefore + 1);
  });

  it('a handler that failed (or never ran) still runs on the next apply, once', async () => {
    const runs = async () => Number((await lab.ssh(a, 'wc -l < /srv/demo/handler-runs')).stdout);
    await lab.ssh(a, "sed -i 's/^greeting=.*/greeting=drift/' /srv/demo/demo.conf");
    const before = await runs();
    const failing = await runWpha(['apply', '-i', inv, '-l', a, '-e', 'demo_handler_fails=true', '--json']);
    expect(failing.code).toBe(1);
    expect(tasksOf(jsonEvents(failing.stdout), a).find((t) => t.handler)?.status).toBe('failed');
    const plan = await runWpha(['plan', '-i', inv, '-l', a]);
    expect(plan.stdout).toContain(`${a} | would change | demo (handler) | config changed | would run (notified by an earlier run that did not run it)`);
    const next = await runWpha(['apply', '-i', inv, '-l', a, '--json']);
    expect(next.code).toBe(0);
    const ev = jsonEvents(next.stdout);
    expect(
      tasksOf(ev, a)
        .filter((t) => t.status === 'changed')
        .map((t) => [t.task, t.handler]),
    ).toEqual([['config changed', true]]);
    expect(await runs()).toBe(before + 2);
    const quiet = await runWpha(['apply', '-i', inv, '-l', a, '--json']);
    expect(tasksOf(jsonEvents(quiet.stdout), a).filter((t) => t.status === 'changed')).toEqual([]);
    expect(hostDone(jsonEvents(quiet.stdout), a)?.roundTrips).toBe(1);
    expect(await runs()).toBe(before + 2);
  });

  it('Ctrl-C lets the step under way finish, starts nothing new, and leaves no temp file', async () => {
    await lab.ssh(a, 'rm -f /srv/demo/last');
    const child = execa('node', [BIN, 'apply', '-i', inv, '-l', a, '-e', 'demo_pause=3'], { reject: false, env: { CI: '1' } });
    for (let i = 0; i < 300 && (await lab.ssh(a, 'pgrep -x sleep')).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('Interrupted: finishing the steps under way');
    expect((await lab.ssh(a, 'test -e /srv/demo/last; echo $?')).stdout).toBe('1');
    expect((await lab.ssh(a, 'ls -d /tmp/wpha.* /srv/demo/*.wpha-tmp* 2>/dev/null | wc -l')).stdout).toBe('0');
    expect((await runWpha(['apply', '-i', inv, '-l', a])).code).toBe(0);
  });

  it('reports an unreachable host while the others converge', async () => {
    const withDead = writeLabInventory(lab, {
      groups: { app: { hosts: [0, 1, 'ghost'], roles: ['demo'] } },
      roleDirs: [ROLES],
      extraHosts: { ghost: { address: `${lab.lab.config.subnetPrefix}.99` } },
      connectTimeout: 2,
    }).dir;
    const r = await runWpha(['apply', '-i', withDead, '--json']);
    expect(r.code).toBe(1);
    const ev = jsonEvents(r.stdout);
    const un = ev.find((e) => e.type === 'host-unreachable');
    expect(un).toMatchObject({ host: 'ghost' });
    expect((un as { error: string }).error).toMatch(/Cannot connect to host "ghost" \(172\.31\.\d+\.99:22\)/);
    for (const h of [a, b]) expect(hostDone(ev, h)?.recap).toMatchObject({ failed: 0, unreachable: false });
    expect((ev.find((e) => e.type === 'run-done') as { recaps: Record<string, { unreachable: boolean }> }).recaps.ghost?.unreachable).toBe(true);
  });

  it('records each run in the local run log, shown by `wpha history`', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'wpha-state-'));
    const env = { XDG_STATE_HOME: state };
    await lab.ssh(a, 'rm -f /srv/demo/last');
    expect((await runWpha(['apply', '-i', inv, '-l', a], { env })).code).toBe(0);
    expect((await runWpha(['plan', '-i', inv], { env })).code).toBe(0);
    const h = await runWpha(['history', '--json'], { env });
    const records = h.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => [r.command, r.check, r.result, r.limit ?? null])).toEqual([
      ['apply', false, 'ok', a],
      ['plan', true, 'ok', null],
    ]);
    expect(records[0].changes).toEqual([{ host: a, role: 'demo', task: 'after the failing task', summary: ['create /srv/demo/last (5 bytes, mode 0644, root:root)'] }]);
    expect(Object.keys(records[1].hosts).sort()).toEqual([a, b].sort());
    const text = await runWpha(['history', '-n', '1'], { env });
    expect(text.stdout).toMatch(/^\S+ {2}[0-9a-f]{12} {2}\S+@\S+ {2}plan \(check\) -i wpha-inv-\S+ {2}ok {2}2 host\(s\), 0 change\(s\)/);
  });

  it('refuses a host whose key differs from known_hosts, naming both fingerprints, and runs nothing there', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-kh-'));
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'other')]);
    const otherKey = readFileSync(path.join(dir, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const forged = readFileSync(lab.knownHosts, 'utf8')
      .split('\n')
      .map((l) => (l.startsWith(`${lab.hosts[0]!.address},`) ? `${l.split(' ')[0]} ${otherKey}` : l))
      .join('\n');
    writeFileSync(path.join(dir, 'known_hosts'), forged);
    const invDir = writeLabInventory(lab, { groups: { app: { hosts: [0, 1], roles: ['demo'] } }, roleDirs: [ROLES] }).dir;
    const invFile = path.join(invDir, 'inventory.yaml');
    writeFileSync(invFile, readFileSync(invFile, 'utf8').replace(lab.knownHosts, path.join(dir, 'known_hosts')));
    await lab.ssh(a, 'rm -rf /srv/demo');
    await lab.ssh(b, 'rm -rf /srv/demo');
    const r = await runWpha(['apply', '-i', invDir, '--json']);
    expect(r.code).toBe(1);
    const ev = jsonEvents(r.stdout);
    const un = ev.find((e) => e.type === 'host-unreachable') as { host: string; error: string };
    expect(un.host).toBe(a);
    const { stdout: realFp } = await execa('ssh-keygen', ['-l', '-f', '-'], { input: (await lab.ssh(a, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout });
    const { stdout: otherFp } = await execa('ssh-keygen', ['-l', '-f', path.join(dir, 'other.pub')]);
    expect(un.error).toContain(`presented ${realFp.split(' ')[1]}`);
    expect(un.error).toContain(`expected ssh-ed25519 ${otherFp.split(' ')[1]}`);
    expect((await lab.ssh(a, 'test -e /srv/demo; echo $?')).stdout).toBe('1');
    expect((await lab.ssh(b, 'cat /srv/demo/last')).stdout).toBe('done');
  });

  it('refuses a key the host does not accept, naming the user, and runs nothing there', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-key-'));
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'stranger')]);
    const invDir = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['demo'] } }, roleDirs: [ROLES] }).dir;
    const invFile = path.join(invDir, 'inventory.yaml');
    writeFileSync(invFile, readFileSync(invFile, 'utf8').replace(lab.key, path.join(dir, 'stranger')));
    await lab.ssh(a, 'rm -rf /srv/demo');
    const r = await runWpha(['apply', '-i', invDir, '--json'], { env: { SSH_AUTH_SOCK: '' } });
    expect(r.code).toBe(1);
    const un = jsonEvents(r.stdout).find((e) => e.type === 'host-unreachable') as { host: string; error: string };
    expect(un.host).toBe(a);
    expect(un.error).toContain(`Cannot connect to host "${a}"`);
    expect(un.error).toContain('authentication as "root" failed');
    expect((await lab.ssh(a, 'test -e /srv/demo; echo $?')).stdout).toBe('1');
  });

  it('logs in with a key held by ssh-agent when the inventory names no key file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-agent-'));
    const sock = path.join(dir, 'agent.sock');
    const started = await execa('ssh-agent', ['-s', '-a', sock]);
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(started.stdout)?.[1]);
    expect(pid).toBeGreaterThan(1);
    try {
      await execa('ssh-add', [lab.key], { env: { SSH_AUTH_SOCK: sock } });
      const invDir = writeLabInventory(lab, { groups: { app: { hosts: [1], roles: ['demo'] } }, roleDirs: [ROLES] }).dir;
      const invFile = path.join(invDir, 'inventory.yaml');
      const text = readFileSync(invFile, 'utf8');
      const withoutKey = text
        .split('\n')
        .filter((l) => !l.includes(lab.key))
        .join('\n');
      expect(withoutKey).not.toBe(text);
      writeFileSync(invFile, withoutKey);
      await lab.ssh(b, 'rm -rf /srv/demo');
      const r = await runWpha(['apply', '-i', invDir, '--json'], { env: { SSH_AUTH_SOCK: sock } });
      expect(r.code, r.stderr).toBe(0);
      expect(hostDone(jsonEvents(r.stdout), b)?.recap.failed).toBe(0);
      expect((await lab.ssh(b, 'cat /srv/demo/last')).stdout).toBe('done');
    } finally {
      process.kill(pid);
    }
  });
});
