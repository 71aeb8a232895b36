/**
 * File operations on a real lab host: file (directory, touch, link, absent, attributes of an
 * existing file), copy (inline and from the role), template, lineinfile, blockinfile and artifact
 * (a 1.5 MiB binary, over SFTP). Plan changes nothing; apply reaches the state ssh sees; a second
 * apply is a one-round-trip no-op; hand-made drift is shown by plan and repaired by apply.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { ROLES, planBothWays, expectConverged, expectSuccess, explain, labelsWith, onHost, pathsSnapshot, statuses, wpha } from './harness.js';

const DIR = '/srv/ops-files';
const TASKS = [
  'folder',
  'nested folder',
  'inline file',
  'role file',
  'rendered file',
  'empty file',
  'symlink',
  'legacy folder removed',
  'existing file attributes',
  'edited line',
  'removed line',
  'created line file',
  'managed block',
  'removed block',
  'large artifact',
];
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const SNAPSHOT = pathsSnapshot([DIR, '/srv/ops-legacy', '/etc/ops-test']);

describe('file ops on a lab host', () => {
  let lab: LabHosts;
  let host: string;
  let inv: string;
  let artifact: Buffer;
  let tmp: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'opf');
    host = lab.hosts[0]!.name;
    tmp = mkdtempSync(path.join(tmpdir(), 'wpha-opf-'));
    artifact = randomBytes(1536 * 1024);
    writeFileSync(path.join(tmp, 'blob.bin'), artifact);
    inv = writeLabInventory(lab, {
      groups: { files: { hosts: [0], roles: ['ops_files'] } },
      roleDirs: [ROLES],
      vars: { files_artifact: path.join(tmp, 'blob.bin'), files_artifact_sha256: sha(artifact) },
    }).dir;
    // What the host has before the role runs: files to edit, a folder to remove.
    await onHost(
      lab,
      host,
      [
        'mkdir -p /srv/ops-legacy/sub /etc/ops-test',
        'echo old > /srv/ops-legacy/sub/file',
        'echo owned > /etc/ops-test/owned',
        "printf ';memory_limit = 128M\\nmax_execution_time = 30\\nupload_max_filesize = 8M\\n' > /etc/ops-test/php.ini",
        "printf '127.0.0.1 localhost\\n::1 localhost\\n# BEGIN LEGACY HOSTS\\n10.1.1.1 old\\n# END LEGACY HOSTS\\n' > /etc/ops-test/hosts",
      ].join(' && '),
    );
  });
  afterAll(async () => {
    await lab?.release();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('plan shows every task as a change and leaves the host as it was', async () => {
    const before = await onHost(lab, host, SNAPSHOT);
    expect(before).toContain(`${DIR} absent`);
    const plan = await planBothWays(inv, host);
    expect(statuses(plan)).toEqual(Object.fromEntries(TASKS.map((t) => [t, 'changed'])));
    expect([...plan.tasks.values()].every((t) => t.planned)).toBe(true);
    expect(plan.tasks.get('edited line')?.diff).toMatch(/-;memory_limit = 128M\n\+memory_limit = 512M/);
    expect(plan.tasks.get('legacy folder removed')?.summary.join(' ')).toContain('/srv/ops-legacy');
    expect(await onHost(lab, host, SNAPSHOT)).toBe(before);
  });

  it('apply changes every task and the host has the wanted files', async () => {
    const r = await wpha('apply', inv, host);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(TASKS);
    const q = (p: string) => `stat -c '%n %F %a %U %G' ${p}`;
    const st = await onHost(
      lab,
      host,
      [`${DIR}`, `${DIR}/a`, `${DIR}/a/b`, `${DIR}/inline.txt`, `${DIR}/static.conf`, `${DIR}/touched`, `${DIR}/new.ini`, `${DIR}/blob.bin`, '/etc/ops-test/owned'].map(q).join(' && '),
    );
    expect(st.split('\n')).toEqual([
      `${DIR} directory 750 root adm`,
      `${DIR}/a directory 755 root root`,
      `${DIR}/a/b directory 755 root root`,
      `${DIR}/inline.txt regular file 640 nobody root`,
      `${DIR}/static.conf regular file 644 root root`,
      `${DIR}/touched regular empty file 600 root root`,
      `${DIR}/new.ini regular file 644 root root`,
      `${DIR}/blob.bin regular file 644 root root`,
      '/etc/ops-test/owned regular file 604 nobody adm',
    ]);
    const staticConf = readFileSync(path.resolve(ROLES, 'ops_files/files/static.conf'), 'utf8');
    expect(await onHost(lab, host, `cat ${DIR}/inline.txt`)).toBe('inline content\nsecond line');
    expect(await onHost(lab, host, `cat ${DIR}/static.conf`)).toBe(staticConf.trimEnd());
    expect(await onHost(lab, host, `cat ${DIR}/greeting.conf`)).toBe(`# ${host} on bookworm\ngreeting=hello\nextra=from-task-vars`);
    expect(await onHost(lab, host, `readlink ${DIR}/current`)).toBe('static.conf');
    expect(await onHost(lab, host, 'test -e /srv/ops-legacy; echo $?')).toBe('1');
    expect(await onHost(lab, host, 'cat /etc/ops-test/php.ini')).toBe('memory_limit = 512M\nupload_max_filesize = 8M');
    expect(await onHost(lab, host, `cat ${DIR}/new.ini`)).toBe('enabled = true');
    expect(await onHost(lab, host, 'cat /etc/ops-test/hosts')).toBe(
      ['127.0.0.1 localhost', '# BEGIN MANAGED BY wpha', '10.9.0.1 db1', '10.9.0.2 db2', '# END MANAGED BY wpha', '::1 localhost'].join('\n'),
    );
    expect(await onHost(lab, host, `sha256sum < ${DIR}/blob.bin`)).toBe(`${sha(artifact)}  -`);
    // Atomic writes leave no temp files behind, and no backup was needed for new files.
    expect((await onHost(lab, host, `ls -A ${DIR} /etc/ops-test`)).split('\n').filter((n) => /wpha/.test(n))).toEqual([]);
  });

  it('a second apply changes nothing, in one round trip', async () => {
    expectConverged(await wpha('apply', inv, host));
  });

  it('plan shows hand-made drift (content, mode, group, link, edited line, block, artifact) and apply repairs it', async () => {
    await onHost(
      lab,
      host,
      [
        `echo extra >> ${DIR}/inline.txt`,
        `chmod 600 ${DIR}/static.conf && sed -i s/static=1/static=2/ ${DIR}/static.conf`,
        `sed -i s/greeting=hello/greeting=drift/ ${DIR}/greeting.conf`,
        `chmod 644 ${DIR}/touched`,
        `ln -sfn inline.txt ${DIR}/current`,
        "sed -i 's/^memory_limit = 512M/memory_limit = 64M/' /etc/ops-test/php.ini",
        "echo 'max_execution_time = 60' >> /etc/ops-test/php.ini",
        "sed -i 's/10.9.0.2 db2/10.9.0.2 db-other/' /etc/ops-test/hosts",
        `truncate -s 1000 ${DIR}/blob.bin`,
        `chgrp root ${DIR}`,
      ].join(' && '),
    );
    const drifted = ['folder', 'inline file', 'role file', 'rendered file', 'empty file', 'symlink', 'edited line', 'removed line', 'managed block', 'large artifact'];
    const before = await onHost(lab, host, SNAPSHOT);
    const plan = await planBothWays(inv, host);
    expect(labelsWith(plan, 'changed')).toEqual(drifted);
    expect(plan.tasks.get('inline file')?.diff).toContain('-extra');
    expect(plan.tasks.get('managed block')?.diff).toMatch(/-10\.9\.0\.2 db-other\n\+10\.9\.0\.2 db2/);
    expect(plan.tasks.get('symlink')?.summary.join(' ')).toContain('relink');
    expect(plan.tasks.get('large artifact')?.diff).toBeUndefined();
    expect(await onHost(lab, host, SNAPSHOT)).toBe(before);

    const fix = await wpha('apply', inv, host);
    expectSuccess(fix);
    expect(labelsWith(fix, 'changed'), explain(fix)).toEqual(drifted);
    // copy without mode keeps the mode of an existing file (only its content is managed).
    expect(
      await onHost(
        lab,
        host,
        `stat -c %a ${DIR}/static.conf ${DIR}/touched; stat -c %G ${DIR}; cat ${DIR}/static.conf; readlink ${DIR}/current; cat /etc/ops-test/php.ini; sha256sum < ${DIR}/blob.bin`,
      ),
    ).toBe(`600\n600\nadm\nstatic=1\n# shipped in the role files/ folder\nstatic.conf\nmemory_limit = 512M\nupload_max_filesize = 8M\n${sha(artifact)}  -`);
    // backup: true kept the drifted template output next to the file.
    expect(await onHost(lab, host, `cat ${DIR}/greeting.conf.*.wpha-bak`)).toContain('greeting=drift');
    expectConverged(await wpha('apply', inv, host));
  });
});
