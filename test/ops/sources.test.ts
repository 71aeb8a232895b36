/**
 * git, mount and unarchive from a URL on one real lab host: a repository made on the host (two
 * tags), a release archive the host serves itself over HTTP (its access log proves a converged run
 * downloads nothing), and a tmpfs mounted by a systemd mount unit (remounted when its options
 * change, unmounted and removed with state: absent). A device that does not exist fails the task
 * with the mount's own message.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { ROLES, planBothWays, expectConverged, expectSuccess, explain, labelsWith, onHost, pathsSnapshot, statuses, wpha } from './harness.js';

const UNIT = 'mnt-ops\\x2dscratch.mount';
const SNAPSHOT = [pathsSnapshot(['/opt/src', '/opt/release', '/etc/systemd/system']), 'findmnt -n /mnt/ops-scratch || echo not-mounted'].join('\n');

describe('git, mount and unarchive from a URL on a lab host', () => {
  let lab: LabHosts;
  let host: string;
  let inv: string;
  let tarSha = '';
  const commits: Record<string, string> = {};
  const sh = (cmd: string) => onHost(lab, host, cmd);
  const gets = async () => Number(await sh(`grep -c '"GET /rel.tar.gz ' /srv/www.log || :`));
  const run = (mode: 'plan' | 'apply', extra: string[] = []) =>
    wpha(
      mode,
      inv,
      host,
      extra.flatMap((e) => ['-e', e]),
    );

  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'opsrc');
    host = lab.hosts[0]!.name;
    const out = await sh(`set -e
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git >/dev/null
mkdir -p /srv/src/work/lib /srv/www/rel && cd /srv/src/work && git init -q -b main
git config user.email t@lab && git config user.name t
for v in v1 v2; do echo "<?php // $v" > lib/code.php; git add -A; git commit -qm $v; git tag $v; echo "commit $v $(git rev-parse HEAD)"; done
git clone -q --bare /srv/src/work /srv/src/repo.git
echo 1.0 > /srv/www/rel/VERSION && echo no > /srv/www/rel/skip.me && tar -czf /srv/www/rel.tar.gz -C /srv/www rel
sha256sum /srv/www/rel.tar.gz
systemd-run -q --unit=ops-src-http -p StandardError=append:/srv/www.log python3 -m http.server 8000 --bind 127.0.0.1 --directory /srv/www
for i in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:8000/rel/VERSION && exit 0; sleep 0.2; done; exit 1`);
    for (const line of out.split('\n')) {
      const c = /^commit (v\d) ([0-9a-f]{40})$/.exec(line);
      if (c) commits[c[1]!] = c[2]!;
      const s = /^([0-9a-f]{64}) {2}\/srv\/www\/rel\.tar\.gz$/.exec(line);
      if (s) tarSha = s[1]!;
    }
    expect(Object.keys(commits)).toEqual(['v1', 'v2']);
    expect(tarSha).toMatch(/^[0-9a-f]{64}$/);
    inv = writeLabInventory(lab, {
      groups: { sources: { hosts: [0], roles: ['ops_sources'] } },
      roleDirs: [ROLES],
      vars: { src_tar_url: 'http://127.0.0.1:8000/rel.tar.gz', src_tar_sha256: tarSha },
    }).dir;
  }, 600_000);
  afterAll(async () => lab?.release());

  it('plan shows every change and clones, downloads and mounts nothing', async () => {
    const before = await sh(SNAPSHOT);
    const plan = await planBothWays(inv, host);
    expect(statuses(plan)).toMatchObject({ 'code at a ref': 'changed', 'release from a URL': 'changed', 'scratch mount': 'changed', 'missing device': 'skipped' });
    expect(plan.tasks.get('scratch mount')?.summary.slice(1)).toEqual([`enable ${UNIT}`, 'mount tmpfs on /mnt/ops-scratch']);
    expect(await sh(SNAPSHOT)).toBe(before);
    expect(await gets()).toBe(0);
  });

  it('apply checks out the tag, unpacks the checked archive, mounts the tmpfs; a second apply changes nothing', async () => {
    const r = await run('apply');
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(expect.arrayContaining(['code at a ref', 'release from a URL', 'scratch mount']));
    expect(await sh('cat /opt/src/v1/lib/code.php; stat -c %U /opt/src/v1/lib/code.php; ls -A /opt/src/v1; grep commit= /opt/src/v1/.wpha-git')).toBe(
      `<?php // v1\nnobody\n.wpha-git\nlib\ncommit=${commits.v1}`,
    );
    expect(await sh('ls -A /opt/release; cat /opt/release/VERSION')).toBe('.wpha-unarchive\nVERSION\n1.0');
    expect(await sh(`findmnt -n -o FSTYPE,OPTIONS /mnt/ops-scratch; systemctl is-enabled ${UNIT.replaceAll('\\', '\\\\')}`)).toMatch(/^tmpfs\s+rw,.*size=8192k.*\nenabled$/);
    expect(await gets()).toBe(1);
    expectConverged(await run('apply'));
    expect(await gets()).toBe(1);
  });

  it('a new ref and new mount options: the ref is checked out beside the old one, the tmpfs remounted', async () => {
    const extra = ['src_ref=v2', 'src_tmpfs_options=size=16m,mode=0755'];
    const r = await run('apply', extra);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(['code at a ref', 'scratch mount']);
    expect(r.tasks.get('scratch mount')?.summary).toContain(`remount /mnt/ops-scratch (systemctl restart ${UNIT})`);
    expect(await sh('ls /opt/src; cat /opt/src/v2/lib/code.php')).toBe('v1\nv2\n<?php // v2');
    expect(await sh('findmnt -n -o OPTIONS /mnt/ops-scratch')).toContain('size=16384k');
    expectConverged(await run('apply', extra));
  });

  it("a device that does not exist fails with the mount's own message", async () => {
    const r = await run('apply', ['src_ref=v2', 'src_tmpfs_options=size=16m,mode=0755', 'src_bad_mount=true']);
    expect(r.code, explain(r)).toBe(1);
    const failed = r.tasks.get('missing device');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/dev\/ops-missing/);
    expect(failed?.error).toContain('cannot mount (systemctl start mnt-ops\\x2dmissing.mount failed)');
  });

  it('state absent unmounts the tmpfs and removes its unit', async () => {
    const extra = ['src_ref=v2', 'src_tmpfs_options=size=16m,mode=0755', 'src_tmpfs_state=absent'];
    const r = await run('apply', extra);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(['scratch mount']);
    expect(await sh(`findmnt -n /mnt/ops-scratch || echo not-mounted; ls /etc/systemd/system | grep -c scratch || :`)).toBe('not-mounted\n0');
    expectConverged(await run('apply', extra));
  });
});
