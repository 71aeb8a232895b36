import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quote } from '../shell/quote.js';
import aptRepositoryOp, { renderSources, updateThisSource } from './apt_repository.js';
import type { FileState } from './lib/index.js';
import { localPrepareContext, planContext, removeTempDir, runScript, tempDir } from '../engine/testing/run-local.js';

const prepare = (raw: Record<string, unknown>) => aptRepositoryOp.prepare!(aptRepositoryOp.args.parse(raw), localPrepareContext('/nonexistent'));
const PROXYSQL = { name: 'proxysql', uris: 'https://repo.proxysql.com/ProxySQL/proxysql-2.6.x/bookworm/', suites: './', signed_by: '/etc/apt/keyrings/proxysql.asc' };
const ZABBIX = { name: 'zabbix', uris: ['https://repo.zabbix.com/zabbix/6.0/debian'], suites: 'bookworm', components: ['main'], arch: 'amd64', signed_by: '/etc/apt/keyrings/zabbix.asc' };

describe('apt_repository args', () => {
  it.each([
    [{ name: 'x', suites: 'bookworm', components: 'main' }, /uris[\s\S]*required/],
    [{ name: 'x', uris: 'https://a/', suites: 'bookworm' }, /required \(e.g. \[main\]\)/],
    [{ name: 'x', uris: 'https://a/', suites: './', components: 'main' }, /flat repository/],
    [{ name: 'x', uris: 'https://a b/', suites: 'bookworm', components: 'main' }, /repository URI/],
    [{ name: 'x', uris: 'https://a/', suites: 'bookworm\nX: y', components: 'main' }, /suite/],
    [{ name: 'x', uris: 'https://a/', suites: 'bookworm', components: 'main', signed_by: 'keys/x.asc' }, /absolute path of a keyring/],
    [{ name: 'X Y', state: 'absent' }, /file name/],
  ])('rejects %j', (raw, re) => {
    const r = aptRepositoryOp.args.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('\n')).toMatch(re);
  });
});

describe('renderSources', () => {
  it.each([
    [
      PROXYSQL,
      '# Written by wpha (apt_repository); local changes are overwritten.\nTypes: deb\nURIs: https://repo.proxysql.com/ProxySQL/proxysql-2.6.x/bookworm/\nSuites: ./\nSigned-By: /etc/apt/keyrings/proxysql.asc\n',
    ],
    [
      ZABBIX,
      '# Written by wpha (apt_repository); local changes are overwritten.\nTypes: deb\nURIs: https://repo.zabbix.com/zabbix/6.0/debian\nSuites: bookworm\nComponents: main\nArchitectures: amd64\nSigned-By: /etc/apt/keyrings/zabbix.asc\n',
    ],
  ])('%j', (raw, text) => {
    expect(renderSources(aptRepositoryOp.args.parse(raw))).toBe(text);
  });
});

describe('apt_repository plan', () => {
  const absent: FileState = { parentExists: true, type: 'absent' };
  it('writes the source and refreshes only it, reverting when the refresh fails', () => {
    const a = prepare(ZABBIX);
    expect(a.path).toBe('/etc/apt/sources.list.d/zabbix.sources');
    const p = aptRepositoryOp.plan(a, absent, planContext());
    expect(p.summary).toEqual([`create /etc/apt/sources.list.d/zabbix.sources (${a.content.length} bytes, mode 0644, root:root)`, 'apt-get update (this source only)']);
    // The refresh is wpha_put's live check: on failure the previous file is restored.
    expect(p.apply).toBe(`wpha_put "$WPHA_STAGE"/${a.sha256} /etc/apt/sources.list.d/zabbix.sources 0644 root root '' '' '' ${quote(updateThisSource(300))}`);
    expect(a.content.toString()).toBe(renderSources(aptRepositoryOp.args.parse(ZABBIX)));
  });

  it('is unchanged when the file matches; a mode fix does not refresh', () => {
    const a = prepare(PROXYSQL);
    const same: FileState = { parentExists: true, type: 'file', mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root', size: a.content.length, sha256: a.sha256 };
    expect(aptRepositoryOp.plan(a, same, planContext()).changed).toBe(false);
    const p = aptRepositoryOp.plan(a, { ...same, mode: '0600' }, planContext());
    expect(p.summary).toEqual(['/etc/apt/sources.list.d/proxysql.sources: mode 0600 -> 0644']);
    expect(p.apply).not.toContain('apt-get');
  });

  it('removes the file for state absent', () => {
    const a = prepare({ name: 'old-repo', state: 'absent' });
    const file: FileState = { parentExists: true, type: 'file', sha256: 'x' };
    expect(aptRepositoryOp.plan(a, file, planContext())).toEqual({
      changed: true,
      summary: ['remove /etc/apt/sources.list.d/old-repo.sources'],
      apply: 'rm -f -- /etc/apt/sources.list.d/old-repo.sources',
    });
    expect(aptRepositoryOp.plan(a, absent, planContext()).changed).toBe(false);
  });

  it('is a barrier', () => {
    expect(aptRepositoryOp.barrier).toBe(true);
  });
});

describe('updateThisSource (run with a stand-in apt-get, temp dir only)', () => {
  const tmp = tempDir('wpha-aptrepo-');
  afterAll(() => removeTempDir(tmp));
  const bin = join(tmp, 'bin');
  const lists = join(tmp, 'lists');
  mkdirSync(bin);
  mkdirSync(lists);
  // Records its arguments, adds a list file (as a real refresh does: the folder's mtime moves), exits $FAKE_RC.
  writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${tmp}/args"\ntouch "${lists}/new_Packages"\nexit "$FAKE_RC"\n`);
  chmodSync(join(bin, 'apt-get'), 0o755);
  const threeDaysAgo = Math.floor(Date.now() / 1000) - 3 * 86400;
  const run = (rc: number) => {
    utimesSync(lists, threeDaysAgo, threeDaysAgo);
    // As wpha_put runs a live check: sh -c CHECK wpha-live-check FILE.
    const script = `FAKE_RC=${rc} sh -c ${quote(updateThisSource(30, lists))} wpha-live-check /etc/apt/sources.list.d/x.sources`;
    return runScript(script, { PATH: `${bin}:/usr/bin:/bin` });
  };

  it('fetches only this source, failing on any error (apt only warns when older lists of the URI exist)', () => {
    expect(run(0).rc).toBe(0);
    const args = readFileSync(join(tmp, 'args'), 'utf8').split('\n');
    expect(args).toContain('--error-on=any');
    expect(args).toContain('Dir::Etc::sourcelist=/etc/apt/sources.list.d/x.sources');
    expect(args).toContain('Dir::Etc::sourceparts=-');
    expect(run(100).rc).toBe(100);
  });

  it('keeps the age of the lists: one source fetched is not a refresh of all lists', () => {
    for (const rc of [0, 100]) {
      run(rc);
      expect(Math.floor(statSync(lists).mtimeMs / 1000)).toBe(threeDaysAgo);
    }
  });
});
