/**
 * WordPress's own updater, run by the wordpress role's hourly timer (wordpress_auto_updates):
 * first rendered without hosts (off by default; what it sets up when on), then on two lab hosts:
 * a web node, and a db + Redis host that also plays api.wordpress.org: it serves a JSON answer
 * shaped like the real one (test/roles/fixtures/update-source.py) and zips of newer versions of a
 * plugin and a theme, built by the test. The web node reaches nothing but the lab.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { expandLabHost, stepArgs } from '../helpers/expand-role.js';
import { InputError, formatIssue } from '../../src/errors.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labVars = (group: string) => parse(readFileSync(path.join(root, 'inventories/lab/group_vars', `${group}.yaml`), 'utf8')) as Record<string, unknown>;
const UPDATER_TASKS = [
  'wordpress/updater user',
  'wordpress/plugin and theme folders owned by the updater',
  'wordpress/updater script',
  'wordpress/WordPress updater timer',
  'wordpress/update source redirect (must-use plugin)',
];

describe('WordPress updates, rendered for the lab inventory (no hosts)', () => {
  it('are off by default: no updater user, timer, script or redirect; a timer left from before is removed', async () => {
    const { steps, skipped } = await expandLabHost('web1', []);
    expect(skipped).toEqual(expect.arrayContaining(UPDATER_TASKS));
    expect(steps.has('wordpress/no WordPress updater timer')).toBe(true);
    expect(stepArgs(steps, 'wordpress/no update source redirect')).toMatchObject({ path: '/var/lib/wordpress/wp-content/mu-plugins/wpha-update-source.php', state: 'absent' });
    const config = (stepArgs(steps, 'wordpress/site config').content as Buffer).toString('utf8');
    expect(config).not.toContain('WPHA_UPDATE_API_URL');
    expect(config).toContain("define('AUTOMATIC_UPDATER_DISABLED', true);");
  });

  it('when on: a user of its own owns the code folders, an hourly timer runs the updater as that user; core stays off', async () => {
    const { steps, skipped } = await expandLabHost('web1', ['wordpress_auto_updates=true', 'wordpress_update_api_url=http://mirror.lab:8000/api']);
    expect(skipped).toContain('wordpress/no WordPress updater timer');
    expect(stepArgs(steps, 'wordpress/updater user')).toMatchObject({ name: 'wpha-wp-update', system: true, groups: ['www-data'], shell: '/usr/sbin/nologin' });
    expect(steps.get('wordpress/plugin and theme folders owned by the updater')!.map((s) => (s.args as { path: string }).path)).toEqual(
      ['plugins', 'themes', 'upgrade', 'upgrade-temp-backup'].map((d) => `/var/lib/wordpress/wp-content/${d}`),
    );
    const timer = stepArgs(steps, 'wordpress/WordPress updater timer') as { service: { content: Buffer }; timer: { content: Buffer } };
    const service = timer.service.content.toString('utf8');
    expect(service).toMatch(/^User=wpha-wp-update$/m);
    expect(service.split('\n').filter((l) => l.startsWith('ExecStart='))).toEqual([
      'ExecStart=-/usr/bin/php /usr/local/lib/wpha/wp-auto-update.php',
      "ExecStart=+/bin/sh -c 'cd /var/lib/wordpress/wp-content/upgrade && if [ -e .wpha-updated ]; then rm -f .wpha-updated; systemctl reload php8.2-fpm; fi; if [ -e .wpha-failed ]; then rm -f .wpha-failed; echo some updates failed, see above >&2; exit 1; fi'",
    ]);
    expect(service).toContain('"WORDPRESS_CONFIG=shop"');
    expect(timer.timer.content.toString('utf8')).toMatch(/^OnCalendar=hourly$/m);
    const script = (stepArgs(steps, 'wordpress/updater script').content as Buffer).toString('utf8');
    expect(script).toContain("require <<<'WPHA_VALUE_END'\n/usr/share/wordpress/wp-load.php\nWPHA_VALUE_END;");
    expect(script).not.toMatch(/Core_Upgrader|wp_version_check|find_core_update/);
    const config = (stepArgs(steps, 'wordpress/site config').content as Buffer).toString('utf8');
    expect(config).toContain("define('WPHA_UPDATE_API_URL', <<<'WPHA_VALUE_END'\nhttp://mirror.lab:8000/api\nWPHA_VALUE_END);");
    // The lab blocks external requests: the update host is let through, nothing else.
    expect(config).toContain("define('WP_ACCESSIBLE_HOSTS', implode(',', array_filter([(string) parse_url(WPHA_UPDATE_API_URL, PHP_URL_HOST)])));");
    // WordPress's own background updater (WP-Cron, as the web server) stays disabled.
    expect(config).toContain("define('AUTOMATIC_UPDATER_DISABLED', true);");
  });

  it('with a tarball release, the updater runs the live release and its bundled entries stay links the role owns', async () => {
    const sha = 'a'.repeat(64);
    const { steps } = await expandLabHost('web1', [
      'wordpress_auto_updates=true',
      'wordpress_source=tarball',
      'wordpress_tarball_url=http://mirror.lab/wp.tar.gz',
      `wordpress_tarball_sha256=${sha}`,
      'wordpress_root=/opt/wordpress/current',
    ]);
    expect((stepArgs(steps, 'wordpress/updater script').content as Buffer).toString('utf8')).toContain("require <<<'WPHA_VALUE_END'\n/opt/wordpress/current/wp-load.php\nWPHA_VALUE_END;");
    // The role links the release's themes and plugins into wp-content before the updater owns the folders.
    const names = [...steps.keys()];
    expect(names.indexOf('wordpress/bundled themes and plugins linked into wp-content')).toBeLessThan(names.indexOf('wordpress/plugin and theme folders owned by the updater'));
  });

  it('refuses an update source that is not an http(s) URL at load, naming the variable', async () => {
    const err = await expandLabHost('web1', ['wordpress_update_api_url=ftp://mirror.lab/api']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map(formatIssue)).toContain(
      '-e wordpress_update_api_url: Variable "wordpress_update_api_url" of role "wordpress": expected an http(s) URL such as https://mirror.example.com/wp-api, found string "ftp://mirror.lab/api"',
    );
  });
});

const SITE = 'shop.lab';
const PLUGIN = 'wpha-demo-plugin/wpha-demo-plugin.php';
const THEME = 'wpha-demo-theme';
const plugin = (v: string) => `<?php\n/**\n * Plugin Name: wpha demo plugin\n * Version: ${v}\n */\nadd_action('send_headers', function () { header('X-Wpha-Demo-Plugin: ${v}'); });\n`;
const theme = (v: string) => `/*\nTheme Name: wpha demo theme\nVersion: ${v}\n*/\n`;
/** What the site had before the update: version 1.0.0 of both, as installed files. */
const V1: Record<string, string> = {
  [`plugins/${PLUGIN}`]: plugin('1.0.0'),
  [`themes/${THEME}/style.css`]: theme('1.0.0'),
  [`themes/${THEME}/index.php`]: '<?php // wpha demo theme\n',
};

describe('WordPress updates on lab hosts (1 web + 1 db that serves the updates)', () => {
  let lab: LabHosts;
  let invDir: string;
  let web: { name: string; address: string };
  let db: { name: string; address: string };
  const onWeb = async (cmd: string) => (await lab.ssh(web.name, cmd)).stdout.trim();
  const wpEval = async (php: string) =>
    (await lab.ssh(web.name, `cd /tmp && runuser -u www-data -- env WORDPRESS_CONFIG=shop WPHA_DOMAIN=${SITE} php /usr/local/lib/wpha/wp-eval.php "$(cat)"`, { input: php })).stdout.trim();
  const apply = (extra: string[] = []) => runWpha(['apply', '-i', invDir, '--json', ...extra.flatMap((e) => ['-e', e])], { timeoutMs: 1_500_000 });
  const notOk = (stdout: string) =>
    tasksOf(jsonEvents(stdout))
      .filter((t) => t.status === 'failed')
      .map((t) => `${t.host} ${t.task}: ${t.error}`);
  /** Runs the timer's service now (as the timer would) and returns its output from the journal. */
  const runUpdater = async () => {
    const r = await lab.ssh(
      web.name,
      'since=$(date +%s); systemctl start wpha-wp-auto-update.service; rc=$?; journalctl -q -o cat --no-pager -u wpha-wp-auto-update.service --since "@$since"; exit $rc',
    );
    return { code: r.code, out: r.stdout };
  };
  const header = async () =>
    (await lab.ssh(db.name, `curl -s -D - -o /dev/null -H 'Host: ${SITE}' 'http://${web.address}/?nocache=${Date.now()}' | grep -i '^x-wpha-demo-plugin:' | tr -d '\\r'`)).stdout.trim();

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'wpupd');
    [web, db] = lab.hosts as [typeof web, typeof db];
    invDir = writeLabInventory(lab, {
      groups: {
        all: { roles: ['common'] },
        web: { hosts: [web.name], roles: ['php_fpm', 'nginx', 'wordpress'], vars: { ...labVars('web'), wordpress_auto_updates: true, wordpress_update_api_url: `http://${db.address}:8000/api` } },
        db: { hosts: [db.name], roles: ['mariadb'], vars: labVars('db') },
        redis: { hosts: [db.name], roles: ['redis'], vars: labVars('redis') },
      },
      hostVars: { [db.name]: { common_firewall_extra_rules: ['tcp dport 8000 accept'] } },
      vars: labVars('all'),
    }).dir;
  });
  afterAll(async () => lab?.release());

  it('builds version 1.1.0 of a plugin and a theme on the db host and serves them like api.wordpress.org', async () => {
    const base = `http://${db.address}:8000/packages`;
    const offers = {
      plugins: {
        [PLUGIN]: { slug: 'wpha-demo-plugin', version: '1.1.0', package: `${base}/wpha-demo-plugin.1.1.0.zip` },
        // Bundled with WordPress (links into Debian's package): offered, never taken.
        'akismet/akismet.php': { slug: 'akismet', version: '99.0', package: `${base}/wpha-demo-plugin.1.1.0.zip` },
      },
      themes: {
        [THEME]: { version: '1.1.0', package: `${base}/wpha-demo-theme.1.1.0.zip` },
        twentytwentythree: { version: '99.0', package: `${base}/wpha-demo-theme.1.1.0.zip` },
      },
    };
    const files: Record<string, string> = {
      'build/wpha-demo-plugin/wpha-demo-plugin.php': plugin('1.1.0'),
      'build/wpha-demo-theme/style.css': theme('1.1.0'),
      'build/wpha-demo-theme/index.php': '<?php // wpha demo theme\n',
      'offers.json': JSON.stringify(offers),
      'update-source.py': readFileSync(path.join(root, 'test/roles/fixtures/update-source.py'), 'utf8'),
    };
    for (const [file, text] of Object.entries(files)) {
      expect((await lab.ssh(db.name, `mkdir -p "$(dirname /srv/updates/${file})" && cat > /srv/updates/${file}`, { input: text })).code).toBe(0);
    }
    const r = await lab.ssh(
      db.name,
      `set -eu
cd /srv/updates/build && mkdir -p ../packages
python3 -m zipfile -c ../packages/wpha-demo-plugin.1.1.0.zip wpha-demo-plugin/
python3 -m zipfile -c ../packages/wpha-demo-theme.1.1.0.zip wpha-demo-theme/
systemd-run --unit=wpha-update-source python3 /srv/updates/update-source.py /srv/updates 8000 /api >/dev/null 2>&1
for i in $(seq 1 50); do curl -fs -o /dev/null http://127.0.0.1:8000/packages/wpha-demo-plugin.1.1.0.zip && exit 0; sleep 0.2; done; exit 1`,
    );
    expect(r.code, r.stderr).toBe(0);
  });

  it('converges the stack with auto-updates on: the updater owns the code folders, its timer is active', async () => {
    const r = await apply();
    expect(notOk(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    expect(await onWeb('id -nG wpha-wp-update; stat -c "%U:%G %a" /var/lib/wordpress/wp-content/plugins /var/lib/wordpress/wp-content/themes /var/lib/wordpress/wp-content/upgrade')).toBe(
      ['wpha-wp-update www-data', ...Array(3).fill('wpha-wp-update:wpha-wp-update 755')].join('\n'),
    );
    expect(await onWeb('systemctl is-enabled wpha-wp-auto-update.timer; systemctl is-active wpha-wp-auto-update.timer; systemctl show -p TimersCalendar --value wpha-wp-auto-update.timer')).toMatch(
      /^enabled\nactive\n\{ OnCalendar=\*-\*-\* \*:00:00 ;/,
    );
    expect(await onWeb('stat -c "%U %a" /var/lib/wordpress/wp-content/mu-plugins/wpha-update-source.php')).toBe('root 644');
    // The site's own plugin and theme at 1.0.0, installed as the updater user (as an earlier update would have).
    for (const [file, text] of Object.entries(V1)) {
      const put = await lab.ssh(web.name, `runuser -u wpha-wp-update -- sh -c 'mkdir -p "$(dirname "$1")" && cat > "$1"' - /var/lib/wordpress/wp-content/${file}`, { input: text });
      expect(put.code, put.stderr).toBe(0);
    }
    expect(
      await wpEval(
        `require_once ABSPATH . 'wp-admin/includes/plugin.php'; $r = activate_plugin('${PLUGIN}'); echo is_wp_error($r) ? $r->get_error_message() : (is_plugin_active('${PLUGIN}') ? 'active' : 'inactive');`,
      ),
    ).toBe('active');
    expect(await header()).toBe('X-Wpha-Demo-Plugin: 1.0.0');
  });

  it("the timer's job updates the site's plugin and theme from the lab source; bundled links are left alone", async () => {
    const linksBefore = await onWeb('readlink /var/lib/wordpress/wp-content/plugins/akismet /var/lib/wordpress/wp-content/themes/twentytwentythree');
    expect(linksBefore.split('\n')).toHaveLength(2);
    const r = await runUpdater();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`updated plugin ${PLUGIN}: 1.0.0 -> 1.1.0`);
    expect(r.out).toContain(`updated theme ${THEME}: 1.0.0 -> 1.1.0`);
    expect(r.out).toContain('left alone plugin akismet/akismet.php: a link (bundled or a customization), updated by wpha');
    expect(r.out).toContain('left alone theme twentytwentythree: a link (bundled or a customization), updated by wpha');
    expect(await onWeb(`grep -h '^ \\* Version:\\|^Version:' /var/lib/wordpress/wp-content/plugins/${PLUGIN} /var/lib/wordpress/wp-content/themes/${THEME}/style.css`)).toBe(
      '* Version: 1.1.0\nVersion: 1.1.0',
    );
    expect(await onWeb(`stat -c %U /var/lib/wordpress/wp-content/plugins/wpha-demo-plugin /var/lib/wordpress/wp-content/plugins/${PLUGIN} /var/lib/wordpress/wp-content/themes/${THEME}`)).toBe(
      'wpha-wp-update\nwpha-wp-update\nwpha-wp-update',
    );
    expect(await onWeb('readlink /var/lib/wordpress/wp-content/plugins/akismet /var/lib/wordpress/wp-content/themes/twentytwentythree')).toBe(linksBefore);
    // The plugin stayed active and the site runs the new version.
    expect(await wpEval(`require_once ABSPATH . 'wp-admin/includes/plugin.php'; echo is_plugin_active('${PLUGIN}') ? 'active' : 'inactive';`)).toBe('active');
    expect(await header()).toBe('X-Wpha-Demo-Plugin: 1.1.0');
    // WordPress asked the lab source (never api.wordpress.org: the web node reaches only the lab) and fetched the zips.
    const log = (await lab.ssh(db.name, 'cat /srv/updates/requests.log')).stdout;
    expect(log).toContain(`POST /api/plugins/update-check/1.1/ ${web.address}`);
    expect(log).toContain(`POST /api/themes/update-check/1.1/ ${web.address}`);
    expect(log).toContain(`GET /packages/wpha-demo-plugin.1.1.0.zip ${web.address}`);
    expect(log).toContain(`GET /packages/wpha-demo-theme.1.1.0.zip ${web.address}`);
  });

  it('the web server cannot write the code the updater owns; core was not touched', async () => {
    const tries = await onWeb(
      `for p in plugins plugins/wpha-demo-plugin themes/${THEME} upgrade; do runuser -u www-data -- touch /var/lib/wordpress/wp-content/$p/wpha-probe 2>/dev/null && echo "$p writable" || echo "$p refused"; done`,
    );
    expect(tries).toBe('plugins refused\nplugins/wpha-demo-plugin refused\nthemes/wpha-demo-theme refused\nupgrade refused');
    // Every file of Debian's package under /usr/share/wordpress as shipped (dpkg checks their md5
    // sums; it does report the docs and man pages the lab image leaves out, so it is listening).
    const verify = await onWeb('dpkg --verify wordpress');
    expect(verify).toMatch(/^missing +\/usr\/share\/(doc|man)\//m);
    expect(verify.split('\n').filter((l) => l.includes('/usr/share/wordpress'))).toEqual([]);
  });

  it('a second run finds nothing to update, and a second apply changes nothing', async () => {
    const r = await runUpdater();
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/^updated (plugin|theme) /m);
    expect(r.out).toContain('left alone plugin akismet/akismet.php');
    const again = await apply();
    expect(notOk(again.stdout)).toEqual([]);
    for (const h of [web, db]) expect(hostDone(jsonEvents(again.stdout), h.name)).toMatchObject({ recap: { changed: 0, failed: 0 }, roundTrips: 1 });
  });

  it('switched off: the timer and the redirect go, the updated plugin stays', async () => {
    const off = ['wordpress_auto_updates=false', 'wordpress_update_api_url='];
    const r = await apply(off);
    expect(notOk(r.stdout)).toEqual([]);
    expect(
      tasksOf(jsonEvents(r.stdout), web.name)
        .filter((t) => t.status === 'changed')
        .map((t) => t.task),
    ).toEqual(expect.arrayContaining(['no WordPress updater timer', 'no update source redirect']));
    expect(await onWeb('ls /etc/systemd/system | grep -c wpha-wp-auto-update || true; test -e /var/lib/wordpress/wp-content/mu-plugins/wpha-update-source.php && echo present || echo absent')).toBe(
      '0\nabsent',
    );
    expect(await header()).toBe('X-Wpha-Demo-Plugin: 1.1.0');
    const again = await apply(off);
    expect(hostDone(jsonEvents(again.stdout), web.name)).toMatchObject({ recap: { changed: 0, failed: 0 }, roundTrips: 1 });
  });
});
