/**
 * The wordpress role's production sources: WordPress from an upstream tarball (checked by sha256,
 * a versioned release folder made live by a symlink), site customizations at a ref (a controller
 * folder, or a git repository), and uploads on shared storage.
 *
 * First without hosts (the lab inventory rendered with -e variables), then on two fresh lab hosts:
 * a web node, and a db + Redis host that also plays "the internet": it repacks Debian's WordPress
 * into two tarballs (a real WordPress, so the whole install flow runs from the tarball), holds a
 * bare git repository, and serves both over HTTP.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import type { Facts } from '../../src/ops/facts.js';
import { loadForRun } from '../../src/engine/load.js';
import { InputError, formatIssue } from '../../src/errors.js';
import { groupsMap, hostScope, hostvarsMap } from '../../src/engine/scope.js';
import { expandTask, type Step } from '../../src/engine/steps.js';
import { createRenderer } from '../../src/template/index.js';
import { OPS } from '../../src/ops/registry.js';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { stopwatch } from '../helpers/stopwatch.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labVars = (group: string) => parse(readFileSync(path.join(root, 'inventories/lab/group_vars', `${group}.yaml`), 'utf8')) as Record<string, unknown>;
const SHA_A = 'a'.repeat(64);

// ---------------------------------------------------------------------------------------------
// Without hosts: what the tasks expand to.

const FACTS: Facts = {
  hostname: 'web1',
  fqdn: 'web1',
  kernel: '6.1.0',
  arch: 'x86_64',
  cpus: 2,
  memory_mb: 4096,
  ipv4: ['10.0.0.9'],
  default_ipv4: '10.0.0.9',
  default_interface: 'eth0',
  init: 'systemd',
  virtualization: 'systemd-nspawn',
  user: 'root',
  os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
};

/** The steps of web1's tasks (by task name) and the names of the tasks skipped by `when`. */
async function expandWeb(extraVars: string[]): Promise<{ steps: Map<string, Step[]>; skipped: string[] }> {
  const inv = await loadForRun({ inventory: 'lab', cwd: root, extraVars });
  const renderer = createRenderer({ partialDirs: [path.join(root, 'templates', 'partials'), ...[...inv.roles.values()].map((r) => path.join(r.dir, 'templates', 'partials'))] });
  const h = inv.hosts.get('web1')!;
  const scope = hostScope(inv, h, { groups: groupsMap(inv), hostvars: hostvarsMap(inv) }, FACTS);
  const steps = new Map<string, Step[]>();
  const skipped: string[] = [];
  let i = 0;
  for (const roleName of h.roles) {
    const role = inv.roles.get(roleName)!;
    for (const task of role.tasks) {
      const exp = expandTask(i++, task, scope, { host: 'web1', facts: FACTS, role, renderer, ops: OPS });
      if (exp.kind === 'error') throw new Error(`${task.role} "${task.name}": ${exp.message}`);
      const key = `${task.role}/${task.name}`;
      if (exp.kind === 'skip') skipped.push(key);
      else steps.set(key, exp.steps);
    }
  }
  return { steps, skipped };
}

const argsOf = (steps: Map<string, Step[]>, key: string) => {
  const s = steps.get(key);
  if (!s) throw new Error(`No step for ${key}`);
  return s[0]!.args as Record<string, unknown>;
};
const textOf = (steps: Map<string, Step[]>, key: string) => (argsOf(steps, key).content as Buffer).toString('utf8');

const TARBALL = ['wordpress_source=tarball', 'wordpress_tarball_url=http://mirror.lab/wordpress-6.1.tar.gz', `wordpress_tarball_sha256=${SHA_A}`, 'wordpress_root=/opt/wordpress/current'];
const NEW_TASKS = [
  'wordpress/releases folder',
  'wordpress/WordPress release from the tarball',
  'wordpress/config dispatcher of the releases',
  'wordpress/live WordPress release',
  'wordpress/bundled themes and plugins linked into wp-content',
  'wordpress/NFS client',
  'wordpress/uploads share mounted (NFS)',
  'wordpress/local uploads folder makes way for the shared one',
  'wordpress/uploads link to the shared folder',
  'wordpress/customizations folder',
  'wordpress/customizations from a controller folder',
  'wordpress/git for customizations',
  'wordpress/customizations from git',
  'wordpress/live customizations',
  'wordpress/customizations linked into wp-content',
];

describe('wordpress sources, rendered for the lab inventory (no hosts)', () => {
  it("Debian's package by default: none of the new tasks run, paths stay Debian's", async () => {
    const { steps, skipped } = await expandWeb([]);
    expect(skipped).toEqual(expect.arrayContaining(NEW_TASKS));
    expect(steps.has('wordpress/WordPress packages')).toBe(true);
    const site = textOf(steps, 'nginx/site per WordPress install');
    expect(site).toMatch(/^\s+root \/usr\/share\/wordpress;$/m);
    // $realpath_root: a request runs in the release the symlink named when it started.
    expect(site.match(/SCRIPT_FILENAME \$realpath_root\$fastcgi_script_name;/g)).toHaveLength(2);
    expect(site).not.toContain('$document_root$fastcgi_script_name');
    expect(textOf(steps, 'wordpress/eval script')).toContain("require <<<'WPHA_VALUE_END'\n/usr/share/wordpress/wp-load.php\nWPHA_VALUE_END;");
    expect(argsOf(steps, 'wordpress/uploads folder')).toMatchObject({ path: '/var/lib/wordpress/wp-content/uploads', state: 'directory', owner: 'www-data' });
  });

  it('a tarball: no Debian package, a release folder named by the sha256, code paths follow wordpress_root', async () => {
    const { steps, skipped } = await expandWeb(TARBALL);
    expect(skipped).toContain('wordpress/WordPress packages');
    // The unarchive operation downloads on the host, checks the sha256, drops the top folder.
    expect(argsOf(steps, 'wordpress/WordPress release from the tarball')).toMatchObject({
      kind: 'url',
      url: 'http://mirror.lab/wordpress-6.1.tar.gz',
      archiveSha256: SHA_A,
      dest: `/opt/wordpress/releases/${SHA_A}`,
      stripComponents: 1,
      exclude: ['wp-config.php'],
      require: ['wp-settings.php'],
    });
    expect(argsOf(steps, 'wordpress/live WordPress release')).toMatchObject({ path: '/opt/wordpress/current', state: 'link', src: `/opt/wordpress/releases/${SHA_A}` });
    const dispatcher = textOf(steps, 'wordpress/config dispatcher of the releases');
    expect(argsOf(steps, 'wordpress/config dispatcher of the releases').dest).toBe('/opt/wordpress/releases/wp-config.php');
    expect(dispatcher).toContain('require_once "/etc/wordpress/config-$wpha_site.php";');
    expect(dispatcher).toContain("require_once ABSPATH . 'wp-settings.php';");
    expect(textOf(steps, 'nginx/site per WordPress install')).toMatch(/^\s+root \/opt\/wordpress\/current;$/m);
    expect(textOf(steps, 'wordpress/install script')).toContain('/opt/wordpress/current/wp-load.php');
    const service = (argsOf(steps, 'wordpress/WordPress cron timer').service as { content: Buffer }).content.toString('utf8');
    const cron = service.split('\n').find((l) => l.startsWith('ExecStart='));
    expect(cron).toBe('ExecStart=/usr/bin/php /opt/wordpress/current/wp-cron.php');
  });

  it.each([
    ['no checksum', ['wordpress_tarball_sha256='], '-e wordpress_source: Missing variable "wordpress_tarball_sha256" of role "wordpress" for host "web1": required when'],
    [
      'a short checksum',
      ['wordpress_tarball_sha256=abc123'],
      `-e wordpress_tarball_sha256: Variable "wordpress_tarball_sha256" of role "wordpress": expected the archive's sha256 (64 lowercase hex digits), found string "abc123"`,
    ],
    ['an upper-case checksum', [`wordpress_tarball_sha256=${'A'.repeat(64)}`], '-e wordpress_tarball_sha256: Variable "wordpress_tarball_sha256" of role "wordpress": expected the archive\'s sha256'],
    [
      'not an http(s) URL',
      ['wordpress_tarball_url=ftp://mirror.lab/wp.tar.gz'],
      '-e wordpress_tarball_url: Variable "wordpress_tarball_url" of role "wordpress": expected an http(s) URL, found string "ftp://mirror.lab/wp.tar.gz"',
    ],
    ["Debian's code path", ['wordpress_root=/usr/share/wordpress'], '-e wordpress_root: With wordpress_source: tarball, wordpress_root must be the symlink to the live release'],
  ])('a tarball with %s is refused at load, naming the variable, before any host is touched', async (_label, extra, message) => {
    const err = await expandWeb([...TARBALL, ...extra]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map(formatIssue).join('\n')).toContain(message);
  });

  it('customizations from a controller folder: packed on the controller into a folder per ref', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'wpha-custom-'));
    try {
      mkdirSync(path.join(folder, 'mu-plugins'));
      writeFileSync(path.join(folder, 'mu-plugins/site.php'), '<?php // site\n');
      const { steps, skipped } = await expandWeb([`wordpress_customizations={src: "${folder}", ref: release/7}`]);
      expect(skipped).toEqual(expect.arrayContaining(['wordpress/customizations from git', 'wordpress/git for customizations']));
      const unarchive = argsOf(steps, 'wordpress/customizations from a controller folder');
      expect(unarchive).toMatchObject({ kind: 'folder', dest: '/opt/wordpress/customizations/release-7' });
      expect((unarchive.content as Buffer).toString('latin1')).toContain('mu-plugins/site.php');
      expect(argsOf(steps, 'wordpress/live customizations')).toMatchObject({ path: '/opt/wordpress/customizations/current', src: '/opt/wordpress/customizations/release-7' });
      expect(argsOf(steps, 'wordpress/customizations linked into wp-content')).toMatchObject({ chdir: '/opt/wordpress/customizations', env: { WPHA_SRC: '/opt/wordpress/customizations/current' } });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('customizations from git: checked out at the ref by the git operation, git installed', async () => {
    const { steps, skipped } = await expandWeb(['wordpress_customizations={git: "http://git.lab/site.git", ref: v3}']);
    expect(skipped).toContain('wordpress/customizations from a controller folder');
    expect(argsOf(steps, 'wordpress/git for customizations')).toMatchObject({ name: ['git'] });
    expect(argsOf(steps, 'wordpress/customizations from git')).toMatchObject({ repo: 'http://git.lab/site.git', ref: 'v3', dest: '/opt/wordpress/customizations/v3' });
  });

  it('uploads on an NFS share: a mount unit for the folder, uploads linked to it', async () => {
    const { steps } = await expandWeb(['wordpress_uploads_dir=/srv/wp-uploads', 'wordpress_uploads_nfs=nfs.lab:/export/uploads']);
    const mount = argsOf(steps, 'wordpress/uploads share mounted (NFS)');
    expect(mount.unit).toBe('srv-wp\\x2duploads.mount');
    const unit = (mount.content as Buffer).toString('utf8');
    expect(unit.split('\n').filter((l) => /^(What|Where|Type|Options)=/.test(l))).toEqual(['What=nfs.lab:/export/uploads', 'Where=/srv/wp-uploads', 'Type=nfs', 'Options=vers=4.2,hard,noatime']);
    expect(argsOf(steps, 'wordpress/uploads folder')).toMatchObject({ path: '/srv/wp-uploads', owner: 'www-data' });
    expect(argsOf(steps, 'wordpress/uploads link to the shared folder')).toMatchObject({ path: '/var/lib/wordpress/wp-content/uploads', state: 'link', src: '/srv/wp-uploads' });
  });
});

// ---------------------------------------------------------------------------------------------
// On lab hosts.

const SITE = 'shop.lab';
const TITLE = 'Lab Shop';

describe('wordpress sources on fresh lab hosts (1 web + 1 db that serves the sources)', () => {
  let lab: LabHosts;
  let invDir: string;
  let web: { name: string; address: string };
  let db: { name: string; address: string };
  const sha: Record<'a' | 'b', string> = { a: '', b: '' };
  const commits: Record<string, string> = {};
  const { seconds, timed } = stopwatch();
  const src = (file: string) => `http://${db.address}:8000/${file}`;
  const tarball = (v: 'a' | 'b') => [`wordpress_tarball_url=${src(`wp-${v}.tar.gz`)}`, `wordpress_tarball_sha256="${sha[v]}"`];
  const gitAt = (ref: string) => `wordpress_customizations={git: "${src('custom.git')}", ref: ${ref}}`;
  const apply = (extra: string[], label: string) => timed(label, () => runWpha(['apply', '-i', invDir, '--json', ...extra.flatMap((e) => ['-e', e])], { timeoutMs: 1_500_000 }));
  /** Tasks that did not end ok or skipped. */
  const notOk = (stdout: string) =>
    tasksOf(jsonEvents(stdout))
      .filter((t) => t.status !== 'ok' && t.status !== 'skipped')
      .map((t) => `${t.host} ${t.task} ${t.status}${t.error ? `: ${t.error}` : ''}`);
  /** GET through the web node's nginx, from the db host: status, the customization header, body head. */
  const get = async (urlPath: string) => {
    const r = await lab.ssh(
      db.name,
      `curl -s -o /tmp/body -D /tmp/head -w '%{http_code}' -H 'Host: ${SITE}' 'http://${web.address}${urlPath}'; echo; echo "$(grep -i '^x-wpha-custom:' /tmp/head | tr -d '\\r')"; echo "$(grep -o '<title>[^<]*' /tmp/body | head -1)"; head -c 200 /tmp/body`,
    );
    const [status, custom, title, ...body] = r.stdout.split('\n');
    return { status: Number(status), custom: custom?.split(':')[1]?.trim() ?? '', title: title?.slice(7) ?? '', body: body.join('\n') };
  };
  const onWeb = async (cmd: string) => (await lab.ssh(web.name, cmd)).stdout.trim();
  const wpEval = (php: string) => lab.ssh(web.name, `cd /tmp && runuser -u www-data -- env WORDPRESS_CONFIG=shop WPHA_DOMAIN=${SITE} php /usr/local/lib/wpha/wp-eval.php "$(cat)"`, { input: php });

  beforeAll(async () => {
    lab = await timed('acquire 2 hosts', () => acquireLabHosts(2, 'wpsrc'));
    [web, db] = lab.hosts as [typeof web, typeof db];
    invDir = writeLabInventory(lab, {
      groups: {
        all: { roles: ['common'] },
        web: { hosts: [web.name], roles: ['php_fpm', 'nginx', 'wordpress'], vars: { ...labVars('web'), wordpress_source: 'tarball', wordpress_root: '/opt/wordpress/current' } },
        db: { hosts: [db.name], roles: ['mariadb'], vars: labVars('db') },
        redis: { hosts: [db.name], roles: ['redis'], vars: labVars('redis') },
      },
      // The db host's firewall keeps the source server (port 8000) reachable.
      hostVars: { [db.name]: { common_firewall_extra_rules: ['tcp dport 8000 accept'] } },
      vars: labVars('all'),
    }).dir;
    // Customizations shipped with the inventory (wordpress_customizations.src is relative to it).
    const custom = path.join(invDir, 'custom');
    mkdirSync(path.join(custom, 'mu-plugins'), { recursive: true });
    mkdirSync(path.join(custom, 'plugins/wpha-folder-plugin'), { recursive: true });
    mkdirSync(path.join(custom, '.git'), { recursive: true });
    writeFileSync(path.join(custom, 'mu-plugins/wpha-test-header.php'), "<?php\nadd_action('send_headers', function () { header('X-Wpha-Custom: folder-c1'); });\n");
    writeFileSync(path.join(custom, 'mu-plugins/wpha-folder-only.php'), "<?php\nfunction wpha_folder_only() { return 'folder'; }\n");
    writeFileSync(path.join(custom, 'plugins/wpha-folder-plugin/wpha-folder-plugin.php'), '<?php\n/* Plugin Name: wpha folder plugin */\n');
    writeFileSync(path.join(custom, '.git/HEAD'), 'not shipped\n');
  });
  afterAll(async () => {
    await lab?.release();
    process.stderr.write(`[wordpress-sources] times (s): ${JSON.stringify(seconds)}\n`);
  });

  it("prepares the sources on the db host: two tarballs of Debian's WordPress, a bare git repository, an HTTP server", async () => {
    // Debian's tree links a few files into other packages (underscore, getid3, cropper): those
    // are unpacked beside it and the links followed (tar -h), so the tarball stands alone.
    const script = `set -eu
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git >/dev/null
mkdir -p /tmp/debs /tmp/root /srv/www && cd /tmp/debs
apt-get download -qq wordpress wordpress-theme-twentytwentythree libjs-underscore php-getid3 libjs-cropper
for d in *.deb; do dpkg-deb -x "$d" /tmp/root; done
cd /tmp/root/usr/share
rm -f wordpress/wp-config.php wordpress/.htaccess
find wordpress -xtype l -delete
for v in a b; do echo "release-$v" > wordpress/wpha-release.txt; tar -chzf /srv/www/wp-$v.tar.gz wordpress; done
sha256sum /srv/www/wp-a.tar.gz /srv/www/wp-b.tar.gz
git init -q -b main /tmp/custom && cd /tmp/custom
git config user.email t@lab && git config user.name t
mkdir mu-plugins
for v in v1 v2; do printf '<?php\\nadd_action("send_headers", function () { header("X-Wpha-Custom: git-%s"); });\\n' $v > mu-plugins/wpha-test-header.php; git add -A; git commit -qm $v; git tag $v; echo "commit $v $(git rev-parse HEAD)"; done
git clone -q --bare /tmp/custom /srv/www/custom.git && git -C /srv/www/custom.git update-server-info
systemd-run --unit=wpha-sources python3 -m http.server 8000 --directory /srv/www >/dev/null 2>&1
for i in $(seq 1 50); do curl -fs -o /dev/null http://127.0.0.1:8000/custom.git/info/refs && break; sleep 0.2; done`;
    const r = await timed('prepare sources', () => lab.ssh(db.name, script, { timeoutMs: 900_000 }));
    expect(r.code).toBe(0);
    for (const line of r.stdout.split('\n')) {
      const m = /^([0-9a-f]{64})\s+\/srv\/www\/wp-([ab])\.tar\.gz$/.exec(line);
      if (m) sha[m[2] as 'a' | 'b'] = m[1]!;
      const c = /^commit (v\d) ([0-9a-f]{40})$/.exec(line);
      if (c) commits[c[1]!] = c[2]!;
    }
    expect(sha.a).toMatch(/^[0-9a-f]{64}$/);
    expect(sha.b).toMatch(/^[0-9a-f]{64}$/);
    expect(sha.a).not.toBe(sha.b);
    expect(Object.keys(commits)).toEqual(['v1', 'v2']);
  }, 900_000);

  it('refuses a tarball without a checksum at load: no host is touched', async () => {
    const r = await apply([`wordpress_tarball_url=${src('wp-a.tar.gz')}`, 'wordpress_tarball_sha256=', 'wordpress_customizations={src: custom, ref: c1}'], 'apply refused at load');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Missing variable "wordpress_tarball_sha256" of role "wordpress"');
    expect(tasksOf(jsonEvents(r.stdout))).toEqual([]);
    expect(await onWeb('ls -d /opt/wordpress /etc/wordpress 2>&1 | grep -c "No such file"')).toBe('2');
  });

  it('installs the site from tarball A with customizations from the inventory folder', async () => {
    const r = await apply([...tarball('a'), 'wordpress_customizations={src: custom, ref: c1}'], 'apply tarball A');
    expect(
      tasksOf(jsonEvents(r.stdout))
        .filter((t) => t.status === 'failed')
        .map((t) => `${t.task}: ${t.error}`),
    ).toEqual([]);
    expect(r.code).toBe(0);
    const home = await get('/');
    expect(home, home.body).toMatchObject({ status: 200, title: TITLE, custom: 'folder-c1' });
    expect((await get('/category/uncategorized/')).status).toBe(200);
    // Served from the tarball's files, not from Debian's package (not installed here).
    expect((await get('/wpha-release.txt')).body.trim()).toBe('release-a');
    expect(await onWeb('dpkg-query -W -f "${Status}" wordpress 2>/dev/null || echo not-installed')).toBe('not-installed');
    expect(await onWeb('readlink /opt/wordpress/current')).toBe(`/opt/wordpress/releases/${sha.a}`);
    // WordPress runs from the release's real folder, its theme comes from the release too, and
    // the customizations' mu-plugin is loaded.
    const php = `echo ABSPATH, "|", get_template(), "|", realpath(get_template_directory()), "|", function_exists('wpha_folder_only') ? wpha_folder_only() : 'none';`;
    expect((await wpEval(php)).stdout).toBe(`/opt/wordpress/releases/${sha.a}/|twentytwentythree|/opt/wordpress/releases/${sha.a}/wp-content/themes/twentytwentythree|folder`);
    // The folder's .git is not shipped.
    expect(
      await onWeb(
        'readlink /var/lib/wordpress/wp-content/plugins/wpha-folder-plugin; ls /opt/wordpress/customizations/c1 | tr "\\n" " "; echo; ls -A /opt/wordpress/customizations/c1 | grep -c "^.git$" || true',
      ),
    ).toBe('/opt/wordpress/customizations/current/plugins/wpha-folder-plugin\nmu-plugins plugins \n0');
  }, 1_600_000);

  it('changes nothing on the second apply, in one round trip per host', async () => {
    const r = await apply([...tarball('a'), 'wordpress_customizations={src: custom, ref: c1}'], 'second apply');
    expect(r.code).toBe(0);
    expect(notOk(r.stdout)).toEqual([]);
    for (const h of [web, db]) expect(hostDone(jsonEvents(r.stdout), h.name)).toMatchObject({ recap: { changed: 0, failed: 0 }, roundTrips: 1 });
  });

  it('switches to tarball B and git customizations at v1 while a client sees only 200s; release A is kept', async () => {
    // A client loop through the switch: uncached pages (a query string bypasses the cache).
    await lab.ssh(
      db.name,
      `rm -f /tmp/loop.out /tmp/loop.stop /tmp/loop.done; (for i in $(seq 1 3000); do curl -s -o /dev/null -w '%{http_code}\\n' -H 'Host: ${SITE}' "http://${web.address}/?loop=$i" >> /tmp/loop.out; [ -e /tmp/loop.stop ] && break; done; touch /tmp/loop.done) </dev/null >/dev/null 2>&1 &`,
    );
    await new Promise((res) => setTimeout(res, 2000));
    const r = await apply([...tarball('b'), gitAt('v1')], 'switch to B + git v1');
    await new Promise((res) => setTimeout(res, 2000));
    await lab.ssh(db.name, 'touch /tmp/loop.stop; for i in $(seq 1 100); do [ -e /tmp/loop.done ] && break; sleep 0.2; done');
    expect(
      tasksOf(jsonEvents(r.stdout))
        .filter((t) => t.status === 'failed')
        .map((t) => `${t.task}: ${t.error}`),
    ).toEqual([]);
    const changed = tasksOf(jsonEvents(r.stdout), web.name)
      .filter((t) => t.status === 'changed')
      .map((t) => t.task);
    expect(changed).toEqual(expect.arrayContaining(['WordPress release from the tarball', 'live WordPress release', 'customizations from git', 'live customizations', 'reload php-fpm']));
    expect(changed).not.toContain('restart php-fpm');
    const statuses = (await lab.ssh(db.name, 'sort /tmp/loop.out | uniq -c')).stdout
      .trim()
      .split('\n')
      .map((l) => l.trim());
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatch(/^\d+ 200$/);
    expect(Number(statuses[0]!.split(' ')[0])).toBeGreaterThan(10);
    expect(await onWeb('readlink /opt/wordpress/current; ls -A /opt/wordpress/releases | tr "\\n" " "')).toBe(`/opt/wordpress/releases/${sha.b}\n${[sha.a, sha.b].sort().join(' ')} wp-config.php`);
    expect((await get('/wpha-release.txt')).body.trim()).toBe('release-b');
    expect(await get('/?after=switch')).toMatchObject({ status: 200, title: TITLE, custom: 'git-v1' });
    // The folder-only mu-plugin is gone with the folder version; the git clone is at the tag's commit.
    expect(await onWeb('ls /var/lib/wordpress/wp-content/mu-plugins | tr "\\n" " "; echo; grep commit= /opt/wordpress/customizations/v1/.wpha-git')).toBe(
      `wpha-loopback.php wpha-test-header.php \ncommit=${commits.v1}`,
    );
    const again = await apply([...tarball('b'), gitAt('v1')], 'switch again (no-op)');
    expect(notOk(again.stdout)).toEqual([]);
    expect(hostDone(jsonEvents(again.stdout), web.name)).toMatchObject({ recap: { changed: 0 }, roundTrips: 1 });
  });

  it('moves the customizations to v2 by ref; the same ref again changes nothing', async () => {
    const r = await apply([...tarball('b'), gitAt('v2')], 'git v2');
    expect(notOk(r.stdout).filter((l) => !/ changed$/.test(l))).toEqual([]);
    expect(await get('/?ref=v2')).toMatchObject({ status: 200, custom: 'git-v2' });
    expect(await onWeb('ls /opt/wordpress/customizations | tr "\\n" " "; echo; readlink /opt/wordpress/customizations/current')).toBe('c1 current v1 v2 \n/opt/wordpress/customizations/v2');
    const again = await apply([...tarball('b'), gitAt('v2')], 'git v2 again (no-op)');
    expect(notOk(again.stdout)).toEqual([]);
  });

  it('refuses a download whose sha256 does not match, and changes nothing', async () => {
    const r = await apply([`wordpress_tarball_url=${src('wp-a.tar.gz')}`, `wordpress_tarball_sha256="${'0'.repeat(64)}"`, gitAt('v2')], 'checksum mismatch');
    expect(r.code).toBe(1);
    const failed = tasksOf(jsonEvents(r.stdout)).filter((t) => t.status === 'failed');
    expect(failed.map((t) => t.task)).toEqual(['WordPress release from the tarball']);
    expect(failed[0]!.error).toContain(`checksum mismatch for "${src('wp-a.tar.gz')}": got ${sha.a}, expected ${'0'.repeat(64)}`);
    expect(await onWeb('readlink /opt/wordpress/current; ls -A /opt/wordpress/releases | tr "\\n" " "')).toBe(`/opt/wordpress/releases/${sha.b}\n${[sha.a, sha.b].sort().join(' ')} wp-config.php`);
    expect((await get('/wpha-release.txt')).body.trim()).toBe('release-b');
  });

  it('puts uploads on a shared folder: wp-content/uploads links to it, WordPress writes there, nginx serves it', async () => {
    // A plain folder stands in for the mounted share (see the NFS test below).
    const shared = [...tarball('b'), gitAt('v2'), 'wordpress_uploads_dir=/srv/wp-shared/uploads'];
    // WordPress makes empty <year>/<month> folders in the local uploads folder before anything is
    // uploaded (a page view or WP-Cron may have done it by now): those do not stop the switch.
    await onWeb('mkdir -p /var/lib/wordpress/wp-content/uploads/2026/11 && chown -R www-data:www-data /var/lib/wordpress/wp-content/uploads');
    const r = await apply(shared, 'shared uploads');
    expect(notOk(r.stdout).filter((l) => !/ changed$/.test(l))).toEqual([]);
    expect(await onWeb('stat -c "%U:%G %F" /srv/wp-shared/uploads; readlink /var/lib/wordpress/wp-content/uploads')).toBe('www-data:www-data directory\n/srv/wp-shared/uploads');
    const up = await wpEval(`$r = wp_upload_bits('wpha-shared.txt', null, 'hello from the share'); echo $r['error'] ?: $r['file'];`);
    const file = up.stdout.trim();
    expect(file).toMatch(/^\/var\/lib\/wordpress\/wp-content\/uploads\/\d{4}\/\d{2}\/wpha-shared\.txt$/);
    const rel = file.slice('/var/lib/wordpress/wp-content/uploads/'.length);
    expect(await onWeb(`stat -c %U /srv/wp-shared/uploads/${rel}`)).toBe('www-data');
    expect((await get(`/wp-content/uploads/${rel}`)).body.trim()).toBe('hello from the share');
    const again = await apply(shared, 'shared uploads again (no-op)');
    expect(notOk(again.stdout)).toEqual([]);
  });

  it('mounts an NFS share for the uploads when the kernel can, and otherwise fails saying why', async () => {
    const kernelNfs = (await onWeb('grep -cw nfs4 /proc/filesystems || true')) !== '0';
    if (kernelNfs) {
      const server = await lab.ssh(
        db.name,
        `set -e; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nfs-kernel-server >/dev/null; mkdir -p /srv/nfs/uploads; chown 33:33 /srv/nfs/uploads; echo '/srv/nfs/uploads ${web.address}(rw,sync,no_subtree_check)' > /etc/exports; exportfs -ra; systemctl restart nfs-server`,
      );
      expect(server.code).toBe(0);
    }
    const extra = [
      ...tarball('b'),
      gitAt('v2'),
      'wordpress_uploads_dir=/srv/wp-nfs/uploads',
      `wordpress_uploads_nfs=${db.address}:/srv/nfs/uploads`,
      'common_firewall_extra_rules=["tcp dport 8000 accept", "tcp dport 2049 accept"]',
    ];
    const r = await apply(extra, 'NFS uploads');
    const unit = await onWeb('cat "/etc/systemd/system/srv-wp\\x2dnfs-uploads.mount" | grep -E "^(What|Where|Type)="');
    expect(unit).toBe(`What=${db.address}:/srv/nfs/uploads\nWhere=/srv/wp-nfs/uploads\nType=nfs`);
    if (kernelNfs) {
      expect(notOk(r.stdout).filter((l) => !/ changed$/.test(l))).toEqual([]);
      expect(await onWeb('findmnt -n -o FSTYPE /srv/wp-nfs/uploads; readlink /var/lib/wordpress/wp-content/uploads')).toMatch(/^nfs4?\n\/srv\/wp-nfs\/uploads$/);
    } else {
      // This lab's kernel has no NFS client: the mount unit fails with mount.nfs's own message,
      // and the run stops before uploads is relinked.
      expect(r.code).toBe(1);
      const failed = tasksOf(jsonEvents(r.stdout)).filter((t) => t.status === 'failed');
      expect(failed.map((t) => t.task)).toEqual(['uploads share mounted (NFS)']);
      expect(failed[0]!.error).toMatch(/mount\.nfs: No such device/);
      expect(await onWeb('readlink /var/lib/wordpress/wp-content/uploads')).toBe('/srv/wp-shared/uploads');
    }
  });
});
