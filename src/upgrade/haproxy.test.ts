import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addServerScript, errorsOf, maintIfPresentScript, parseShowStat, setStateScript, type Front } from './haproxy.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const front = { socket: '/run/haproxy/admin.sock', backend: 'web', port: 80, check: 'check inter 2s fall 2 rise 2' } as Front;

/**
 * Runs a script with a stand-in `socat` that answers each runtime command from `answers` (as
 * HAProxy 2.6 does) and logs what it was sent, and a stand-in `wpha-lb`.
 */
function runWith(script: string, answers: Record<string, string>) {
  const bin = mkdtempSync(path.join(tmpdir(), 'wpha-haproxy-'));
  const log = path.join(bin, 'sent');
  const cases = Object.entries(answers)
    .map(([cmd, out]) => `  '${cmd}') printf '%s\\n\\n' '${out}' ;;`)
    .join('\n');
  writeFileSync(path.join(bin, 'socat'), `#!/bin/sh\nread -r cmd\necho "$* | $cmd" >> '${log}'\ncase "$cmd" in\n${cases}\n  *) printf '\\n' ;;\nesac\n`);
  writeFileSync(path.join(bin, 'wpha-lb'), `#!/bin/sh\necho "wpha-lb $*" >> '${log}'\n`);
  for (const f of ['socat', 'wpha-lb']) chmodSync(path.join(bin, f), 0o755);
  const r = spawnSync('sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
  let sent = '';
  try {
    sent = readFileSync(log, 'utf8');
  } catch {
    /* nothing sent */
  }
  return { rc: r.status, stderr: r.stderr, sent: sent.trim().split('\n') };
}

describe('HAProxy runtime scripts', () => {
  it('adds a new host in maintenance with checks running, then saves the state', () => {
    const r = runWith(addServerScript(front, 'web-0c2d', '172.31.202.104'), { 'add server web/web-0c2d 172.31.202.104:80 check inter 2s fall 2 rise 2': 'New server registered.' });
    expect(r).toEqual({
      rc: 0,
      stderr: '',
      sent: [
        '-t 5 stdio UNIX-CONNECT:/run/haproxy/admin.sock | add server web/web-0c2d 172.31.202.104:80 check inter 2s fall 2 rise 2',
        '-t 5 stdio UNIX-CONNECT:/run/haproxy/admin.sock | enable health web/web-0c2d',
        'wpha-lb save-state',
      ],
    });
  });

  it("a server that is already there (a resumed roll) is fine; a refusal stops with HAProxy's answer", () => {
    expect(runWith(addServerScript(front, 'a', '10.0.0.1'), { 'add server web/a 10.0.0.1:80 check inter 2s fall 2 rise 2': 'Already exists a server with the same name in backend.' }).rc).toBe(0);
    const bad = runWith(addServerScript(front, 'a', '10.0.0.1'), { 'add server web/a 10.0.0.1:80 check inter 2s fall 2 rise 2': 'No such backend.' });
    expect(bad.rc).toBe(3);
    expect(bad.stderr).toBe('HAProxy refused "add server web/a 10.0.0.1:80 check inter 2s fall 2 rise 2": No such backend.\n');
    expect(bad.sent).toHaveLength(1);
  });

  it('state changes; maintenance of a server HAProxy no longer has is not an error', () => {
    expect(runWith(setStateScript(front, 'a', 'drain'), {}).sent).toEqual(['-t 5 stdio UNIX-CONNECT:/run/haproxy/admin.sock | set server web/a state drain', 'wpha-lb save-state']);
    expect(runWith(setStateScript(front, 'a', 'ready'), { 'set server web/a state ready': 'No such server.' }).rc).toBe(3);
    expect(runWith(maintIfPresentScript(front, 'a'), { 'set server web/a state maint': 'No such server.' }).rc).toBe(0);
  });

  it('quotes what it sends: a name cannot break out of the command', () => {
    const r = runWith(setStateScript(front, "a'; touch /tmp/x; '", 'ready'), {});
    expect(r.sent[0]).toBe("-t 5 stdio UNIX-CONNECT:/run/haproxy/admin.sock | set server web/a'; touch /tmp/x; ' state ready");
  });

  it('parses show stat (HAProxy 2.6, recorded): servers of the backend with their counters', () => {
    const stats = parseShowStat(readFileSync(path.join(fixtures, 'show-stat.csv'), 'utf8'), 'web');
    expect(stats.map((s) => [s.name, s.status, s.scur, s.stot, errorsOf(s), s.checkStatus, s.address])).toEqual([
      ['web-0a1b', 'UP', 0, 3, 0, 'L7OK', '127.0.0.1:8081'],
      ['web-dead', 'UP 1/2', 0, 3, 3, 'INI', '127.0.0.1:8099'],
      ['web-0c2d', 'DRAIN', 0, 3, 0, 'L7OK', '127.0.0.1:8081'],
      ['web-new', 'MAINT', 0, 0, 0, '', '127.0.0.1:8081'],
    ]);
    expect(parseShowStat('', 'web')).toEqual([]);
  });
});
