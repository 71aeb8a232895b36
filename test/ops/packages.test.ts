/**
 * apt, apt_key, apt_repository and cron on a real lab host. A second lab host serves a signed
 * flat repository built on the controller (see local-repo.ts); Debian packages come through the
 * lab proxy. The client starts like a cloud image: no package lists at all. Covered: keys (inline
 * and downloaded), a deb822 source refreshed on its own, install / latest / purge, an upgrade
 * published by the repository, a source whose signature does not verify (the task fails and the
 * file is rolled back), and cron jobs (one fires every minute: its output is awaited).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { ROLES, planBothWays, expectConverged, expectSuccess, explain, labelsWith, onHost, pathsSnapshot, statuses, wpha } from './harness.js';
import { buildDeb, buildRepo, dropSigningKey, makeSigningKey, requireTools, tarBase64, type DebSpec, type SigningKey } from './local-repo.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const helloDeb = (version: string): DebSpec => ({
  name: 'wpha-ops-hello',
  version,
  description: 'Prints its version (wpha op integration tests)',
  files: { 'usr/bin/wpha-ops-hello': `#!/bin/sh\necho "wpha-ops-hello ${version}"\n` },
});
const LEGACY: DebSpec = { name: 'wpha-ops-legacy', version: '0.9', description: 'To be purged', files: { 'etc/wpha-ops-legacy.conf': 'legacy=1\n' }, conffiles: ['/etc/wpha-ops-legacy.conf'] };
const PACKAGES = "dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\\n' | sort";
const SNAPSHOT = [PACKAGES, pathsSnapshot(['/etc/apt/keyrings', '/etc/apt/sources.list.d', '/etc/cron.d']), 'ls /var/lib/apt/lists'].join('\n');
const ALL = [
  'old repository removed',
  'repository key',
  'repository key downloaded',
  'local repository',
  'package from the local repository',
  'packages from Debian',
  'legacy package purged',
  'cron job every minute',
  'weekly cron job',
  'stale cron job removed',
];

describe('apt, apt_key, apt_repository and cron on a lab host', () => {
  let lab: LabHosts;
  let client: string;
  let server: string;
  let inv: string;
  let tmp: string;
  let key: SigningKey;
  let wrongKey: SigningKey;
  let repoUrl: string;
  const onClient = (cmd: string) => onHost(lab, client, cmd);
  /** Build the repository with these packages and (re)publish it on the server. */
  const publish = async (debs: DebSpec[]) => {
    await buildRepo(path.join(tmp, 'repo'), key, debs);
    const r = await lab.ssh(server, 'rm -rf /srv/repo && mkdir -p /srv/repo && base64 -d | tar -xz -C /srv/repo', { input: await tarBase64(path.join(tmp, 'repo')) });
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    await requireTools(['gpg', 'gpgconf', 'dpkg-deb', 'tar']);
    tmp = mkdtempSync(path.join(tmpdir(), 'wpha-opp-'));
    [key, wrongKey] = await Promise.all([makeSigningKey(tmp, 'ops'), makeSigningKey(tmp, 'other')]);
    lab = await acquireLabHosts(2, 'opp');
    [client, server] = lab.hosts.map((h) => h.name) as [string, string];
    const serverAddress = lab.hosts[1]!.address;
    repoUrl = `http://${serverAddress}:8000`;
    await publish([helloDeb('1.0')]);
    await onHost(
      lab,
      server,
      [
        'systemd-run -q --unit=ops-repo-http python3 -m http.server 8000 --directory /srv/repo',
        'for i in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:8000/InRelease && exit 0; sleep 0.2; done; exit 1',
      ].join(' && '),
    );
    const legacyFile = await buildDeb(path.join(tmp, 'build'), tmp, LEGACY);
    const up = await lab.ssh(client, 'base64 -d > /root/legacy.deb && dpkg -i /root/legacy.deb >/dev/null', { input: readFileSync(path.join(tmp, legacyFile)).toString('base64') });
    expect(up.code, up.stderr).toBe(0);
    await onClient(
      [
        // Lab only: apt sends every http:// request to the lab proxy, which serves the Debian mirror only.
        `echo 'Acquire::http::Proxy::${serverAddress} "DIRECT";' > /etc/apt/apt.conf.d/02ops-test-direct`,
        "printf '* * * * * root /bin/true\\n' > /etc/cron.d/ops-stale",
        "printf 'Types: deb\\nURIs: http://127.0.0.1:9/debian\\nSuites: bookworm\\nComponents: main\\n' > /etc/apt/sources.list.d/ops-old.sources",
        // Like a cloud image: no package lists, and a lists folder as old as the image.
        'rm -rf /var/lib/apt/lists/* && touch -d "3 days ago" /var/lib/apt/lists',
      ].join(' && '),
    );
    inv = writeLabInventory(lab, {
      groups: { packages: { hosts: [0], roles: ['ops_packages'] } },
      roleDirs: [ROLES],
      vars: { pkg_repo_url: repoUrl, pkg_key: key.armored, pkg_key_sha256: sha(key.armored), pkg_wrong_key: wrongKey.armored },
    }).dir;
  });
  afterAll(async () => {
    await lab?.release();
    for (const k of [key, wrongKey]) if (k) await dropSigningKey(k);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('plan shows keys, source, packages and cron jobs, and changes nothing', async () => {
    const before = await onClient(SNAPSHOT);
    expect(before).toContain('wpha-ops-legacy 0.9 ii');
    const plan = await planBothWays(inv, client);
    expect(statuses(plan)).toEqual({ ...Object.fromEntries(ALL.map((t) => [t, 'changed'])), 'wrong key': 'skipped', 'repository checked against the wrong key': 'skipped' });
    expect(plan.tasks.get('packages from Debian')?.summary).toEqual(['refresh the package lists first (there are none yet)', 'install hello, cron']);
    expect(plan.tasks.get('legacy package purged')?.summary).toEqual(['purge wpha-ops-legacy (0.9)']);
    expect(plan.tasks.get('local repository')?.summary).toContain('apt-get update (this source only)');
    expect(plan.tasks.get('old repository removed')?.summary).toEqual(['remove /etc/apt/sources.list.d/ops-old.sources']);
    expect(await onClient(SNAPSHOT)).toBe(before);
  });

  it('apply installs keys and source, packages from both places, purges, and writes cron jobs', async () => {
    const r = await wpha('apply', inv, client);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(ALL);
    expect(await onClient('stat -c "%n %a %U" /etc/apt/keyrings/ops-test.asc /etc/apt/keyrings/ops-test-dl.asc /etc/apt/sources.list.d/ops-test.sources')).toBe(
      '/etc/apt/keyrings/ops-test.asc 644 root\n/etc/apt/keyrings/ops-test-dl.asc 644 root\n/etc/apt/sources.list.d/ops-test.sources 644 root',
    );
    expect(await onClient('cat /etc/apt/keyrings/ops-test.asc')).toBe(key.armored.trimEnd());
    expect(await onClient('cmp /etc/apt/keyrings/ops-test.asc /etc/apt/keyrings/ops-test-dl.asc && echo same')).toBe('same');
    expect(await onClient('ls /etc/apt/sources.list.d')).toBe('ops-test.sources');
    expect(await onClient('grep -v "^#" /etc/apt/sources.list.d/ops-test.sources')).toBe(`Types: deb\nURIs: ${repoUrl}/\nSuites: ./\nSigned-By: /etc/apt/keyrings/ops-test.asc`);
    expect(await onClient('wpha-ops-hello; hello; systemctl is-active cron')).toBe('wpha-ops-hello 1.0\nHello, world!\nactive');
    expect(await onClient('dpkg-query -W wpha-ops-legacy; echo $?; test -e /etc/wpha-ops-legacy.conf; echo $?')).toBe('1\n1');
    expect(await onClient('stat -c "%n %a %U" /etc/cron.d/ops-minute /etc/cron.d/ops-weekly; test -e /etc/cron.d/ops-stale; echo $?')).toBe(
      '/etc/cron.d/ops-minute 644 root\n/etc/cron.d/ops-weekly 644 root\n1',
    );
    // % is escaped for cron (it would end the command there).
    expect(await onClient('grep -v "^#" /etc/cron.d/ops-minute /etc/cron.d/ops-weekly')).toBe(
      '/etc/cron.d/ops-minute:MAILTO=""\n/etc/cron.d/ops-minute:* * * * * root date +\\%s >> /var/log/ops-cron.log\n/etc/cron.d/ops-weekly:@weekly nobody /bin/true',
    );
  });

  it('a second apply changes nothing, in one round trip', async () => {
    expectConverged(await wpha('apply', inv, client));
  });

  it('plan shows an upgrade published by the repository and hand-made drift; apply catches up', async () => {
    await publish([helloDeb('1.0'), helloDeb('1.1')]);
    // The host learns of 1.1 as its daily apt run would (only this source: the Debian mirror is slow to ask).
    await onClient('apt-get update -qq -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/ops-test.sources -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0');
    await onClient(
      [
        'dpkg -i /root/legacy.deb >/dev/null',
        'chmod 600 /etc/apt/keyrings/ops-test.asc',
        "echo '# local edit' >> /etc/apt/sources.list.d/ops-test.sources",
        "sed -i 's/^MAILTO=.*/MAILTO=root/' /etc/cron.d/ops-minute",
      ].join(' && '),
    );
    const drifted = ['repository key', 'local repository', 'package from the local repository', 'legacy package purged', 'cron job every minute'];
    const before = await onClient(SNAPSHOT);
    const plan = await planBothWays(inv, client);
    expect(labelsWith(plan, 'changed')).toEqual(drifted);
    expect(plan.tasks.get('package from the local repository')?.summary).toEqual(['upgrade wpha-ops-hello 1.0 -> 1.1']);
    expect(plan.tasks.get('legacy package purged')?.summary).toEqual(['purge wpha-ops-legacy (0.9)']);
    expect(plan.tasks.get('local repository')?.diff).toContain('-# local edit');
    expect(await onClient(SNAPSHOT)).toBe(before);
    const r = await wpha('apply', inv, client);
    expectSuccess(r);
    expect(labelsWith(r, 'changed'), explain(r)).toEqual(drifted);
    expect(await onClient('wpha-ops-hello; dpkg-query -W wpha-ops-legacy || :; stat -c %a /etc/apt/keyrings/ops-test.asc; grep -c "local edit" /etc/apt/sources.list.d/ops-test.sources || :')).toBe(
      'wpha-ops-hello 1.1\n644\n0',
    );
    expectConverged(await wpha('apply', inv, client));
  });

  it('a source whose signature does not verify fails its task and is rolled back; apt still works', async () => {
    const r = await wpha('apply', inv, client, ['-e', 'pkg_bad_repo=true']);
    expect(r.code, JSON.stringify(statuses(r))).toBe(1);
    expect(r.tasks.get('wrong key')?.status).toBe('changed');
    const failed = r.tasks.get('repository checked against the wrong key');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/NO_PUBKEY|not signed|signatures couldn't be verified/);
    expect(await onClient('test -e /etc/apt/sources.list.d/ops-bad.sources; echo $?; ls -A /etc/apt/sources.list.d')).toBe('1\nops-test.sources');
    // Every source in sources.list.d still verifies (a leftover ops-bad would fail this).
    const update = await lab.ssh(client, 'apt-get update -q --error-on=any -o Dir::Etc::sourcelist=/dev/null');
    expect(update.code, update.stdout + update.stderr).toBe(0);
    expect(update.stdout).toContain(repoUrl);
  });

  it('the every-minute cron job runs (cron escaped % correctly: a Unix time is logged)', async () => {
    const log = await onClient('for i in $(seq 90); do [ -s /var/log/ops-cron.log ] && break; sleep 1; done; cat /var/log/ops-cron.log');
    expect(log.split('\n')[0]).toMatch(/^\d{10}$/);
  });
});
