/**
 * Hostile input against a real host. Refused input never reaches it (no SSH session is even
 * opened); input that is only found bad once rendered stops the host before its first change;
 * shell metacharacters, quotes and newlines in file names, contents, link targets, lines,
 * command arguments, cron entries and user comments arrive literally (nothing named "pwned"
 * appears anywhere); prototype keys coming back from the host leave Object.prototype alone.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadForRun } from '../../src/engine/load.js';
import { runPlay } from '../../src/engine/run.js';
import type { RunEvent } from '../../src/engine/events.js';
import { Passphrases } from '../../src/vault/passphrase.js';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';
import { billionLaughs, prototypeIsClean } from './fixture.js';

const ROLES = 'test/hostile/fixtures/roles';

describe('hostile input on a lab host', () => {
  let lab: LabHosts;
  let host: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'hostile-lit');
    host = lab.hosts[0]!.name;
  });
  afterAll(async () => lab?.release());

  /** SSH sessions the host's sshd accepted so far (each lab.ssh call adds one). */
  const sessions = async () => Number((await lab.ssh(host, 'journalctl -u ssh --no-pager | grep -c "Accepted publickey"')).stdout);
  const leftovers = async () => (await lab.ssh(host, 'ls -d /tmp/wpha* /run/wpha.lock.info /srv/half-* 2>/dev/null; true')).stdout;

  it('refused input opens no session on the host and leaves nothing there', async () => {
    const inv = (extra: (dir: string) => void = () => {}) => {
      const dir = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['halfway'] } }, roleDirs: [ROLES] }).dir;
      extra(dir);
      return dir;
    };
    const bad: [string, string[], RegExp][] = [
      [
        'alias bomb',
        ['-i', inv((d) => (mkdirSync(path.join(d, 'group_vars')), writeFileSync(path.join(d, 'group_vars', 'app.yaml'), billionLaughs('lols'))))],
        /group_vars\/app\.yaml:\d+:\d+: lols\.l\d\S*: Document expands more than 100 aliases/,
      ],
      ['__proto__ as -e name', ['-i', inv(), '-e', '__proto__={polluted: 1}'], /-e __proto__: "__proto__" cannot be used as a variable name/],
      ['undecryptable -e value', ['-i', inv(), '-e', 'tpl=!vault $WPHA_VAULT;1;x'], /-e tpl: Cannot decrypt a "!vault" value/],
    ];
    const partial = mkdtempSync(path.join(tmpdir(), 'wpha-hostile-roles-'));
    mkdirSync(path.join(partial, 'sneaky', 'templates'), { recursive: true });
    writeFileSync(
      path.join(partial, 'sneaky', 'role.yaml'),
      'description: x\ntasks:\n  - name: t\n    template: { src: t.hbs, dest: /srv/half-t }\n  - name: pkg\n    apt: { name: "nginx; touch /tmp/pwned" }\n',
    );
    writeFileSync(path.join(partial, 'sneaky', 'templates', 't.hbs'), 'ok\n{{> ../../../../../etc/shadow}}\n');
    const sneaky = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['sneaky'] } }, roleDirs: [partial] }).dir;
    bad.push(['a template partial by path', ['-i', sneaky], /sneaky\/templates\/t\.hbs:2:1: \(document\): Partial "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/shadow" is not allowed/]);
    bad.push([
      'and, reported with it, a package name with ;',
      ['-i', sneaky],
      /sneaky\/role\.yaml:6:18: tasks\[1\]\.apt\.name: expected a Debian package name .*found string "nginx; touch \/tmp\/pwned"/,
    ]);

    const before = await sessions();
    for (const [name, args, message] of bad) {
      const r = await runWpha(['apply', ...args]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(65);
      expect(r.stderr, name).toMatch(message);
      expect(r.stdout, name).toBe('');
    }
    // Only the session that counts was opened since.
    expect(await sessions()).toBe(before + 1);
    expect(await leftovers()).toBe('');
  });

  it('an input error found only once rendered stops the host before its first change', async () => {
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['halfway'] } }, roleDirs: [ROLES] }).dir;
    const r = await runWpha(['apply', '-i', inv, '--json', '-e', 'tpl=../../../../../../etc/shadow']);
    expect(r.code).toBe(1);
    const failed = tasksOf(jsonEvents(r.stdout), host);
    expect(failed.map((t) => [t.task, t.status])).toEqual([['the bad one', 'failed']]);
    expect(failed[0]!.error).toMatch(/^Template path "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/shadow" is outside the folder ".*\/roles\/halfway\/templates"\n\(nothing was changed on this host/);
    expect(await leftovers()).toBe('');
    // Fixed input converges.
    expect((await runWpha(['apply', '-i', inv])).code).toBe(0);
    expect((await lab.ssh(host, 'cat /srv/half-first /srv/half-site.conf')).stdout).toBe(`first\nsite for ${host}`);
    await lab.ssh(host, 'rm -f /srv/half-*');
  });

  it('metacharacters, quotes and newlines arrive literally; nothing runs; a second apply changes nothing', async () => {
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['literal'] } }, roleDirs: [ROLES] }).dir;
    const r = await runWpha(['apply', '-i', inv, '--json', '--skip-tags', 'url']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const names = await lab.ssh(host, 'cd /srv/lit && for f in *; do printf "%s\\n" "$f"; done');
    expect(names.stdout.split('\n')).toEqual(['a;touch pwned-a', 'b $(touch pwned-b)', 'c`touch pwned-c`\'"$(touch pwned-c)\\', 'conf', 'd|touch pwned-d&', 'e;x', 'outputs']);
    const body = '$(touch /tmp/pwned)`touch /tmp/pwned`;touch /tmp/pwned|&>"\'\\\n$HOME ${PATH}\n';
    const files = await lab.ssh(
      host,
      [
        'cd /srv/lit',
        'cat "a;touch pwned-a"; echo @@; cat \'b $(touch pwned-b)\'; echo @@; stat -c %a \'b $(touch pwned-b)\' "d|touch pwned-d&"',
        'readlink "e;x"; cat conf outputs; grep -v "^#" /etc/cron.d/hostile; getent passwd bobby | cut -d: -f5',
      ].join('; '),
    );
    expect(files.stdout).toBe(
      [
        `${body}@@`,
        `${body}@@`,
        '600',
        '640',
        '$(touch /tmp/pwned)',
        'x=$(touch /tmp/pwned) `id` \'q\' "dq" \\ $HOME',
        '# BEGIN MANAGED BY wpha',
        'y=`touch /tmp/pwned`',
        'z=$(touch /tmp/pwned); touch /tmp/pwned',
        '# END MANAGED BY wpha',
        "$(touch /tmp/pwned)|;|&&|`id`|a b|'q'|",
        '$(touch /tmp/pwned) ; touch /tmp/pwned `id`',
        'X=$(touch /tmp/pwned)',
        "0 4 * * * root echo '$(touch /tmp/pwned)' > /dev/null",
        'Bob $(touch /tmp/pwned) `id` "q"',
      ].join('\n'),
    );
    expect((await lab.ssh(host, `grep -c . "/srv/lit/c\\\`touch pwned-c\\\`'\\"\\$(touch pwned-c)\\\\"`)).stdout).toBe('2');
    expect((await lab.ssh(host, 'find / -xdev -name "pwned*" 2>/dev/null; true')).stdout).toBe('');

    const again = await runWpha(['apply', '-i', inv, '--json', '--skip-tags', 'url']);
    expect(again.code).toBe(0);
    expect(tasksOf(jsonEvents(again.stdout), host).filter((t) => t.status !== 'ok')).toEqual([]);
    expect(await leftovers()).toBe('');

    // A URL full of shell syntax reaches curl as one argument: the download fails, nothing runs.
    const url = await runWpha(['apply', '-i', inv, '--json', '-t', 'url']);
    expect(url.code).toBe(1);
    // (The message shows the URL as the URL parser writes it: braces and backquotes %-encoded.)
    expect(tasksOf(jsonEvents(url.stdout), host)[0]!.error).toMatch(
      /^exit 1: curl: \(7\) Failed to connect to 127\.0\.0\.1 port 9 [^\n]*\ndownload of "http:\/\/127\.0\.0\.1:9\/a;b\|c&d\$\(touch\$%7BIFS%7D\/tmp\/pwned\)%60touch\$%7BIFS%7D\/tmp\/pwned%60" failed$/,
    );
    expect((await lab.ssh(host, 'find / -xdev -name "pwned*" 2>/dev/null; ls -a /srv/lit | grep -c wpha; true')).stdout).toBe('0');
  });

  it('prototype keys in what a host sends back leave Object.prototype untouched (run in-process)', async () => {
    const dir = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['proto'] } }, roleDirs: [ROLES] }).dir;
    const inv = await loadForRun({ inventory: dir, cwd: dir, passphrases: new Passphrases({ env: {} }) });
    const events: RunEvent[] = [];
    const s = await runPlay(inv, {
      tags: [],
      skipTags: [],
      check: false,
      diff: true,
      forks: 2,
      forceHandlers: false,
      acceptNewHostKeys: false,
      listeners: [(e) => events.push(e)],
      factsCacheDir: mkdtempSync(path.join(tmpdir(), 'wpha-facts-')),
    });
    expect(s.failed).toBe(false);
    expect(hostDone(events, host)?.recap).toMatchObject({ changed: 4, failed: 0 });
    expect(prototypeIsClean()).toBe(true);
    expect((await lab.ssh(host, 'cat /srv/proto-out; ls /srv | grep "^proto-"')).stdout).toBe(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}\nproto-__proto__\nproto-constructor\nproto-out\nproto-prototype',
    );
  });
});
