/**
 * One apt transaction where several tasks install packages (src/engine/join-steps.ts), proven on
 * a fresh lab host with the web tier's roles (common, php_fpm, nginx: the stack's web node without
 * WordPress, which needs a database, nor the cache warmer, which needs WordPress): the host's own apt history counts the
 * transactions, the run reports every apt task, the services serve, the recap carries the time
 * spent in apt/dpkg and services (a handler's restart included), and a second apply changes nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const SITE = { id: 'shop', domain: 'shop.lab', title: 'Lab Shop', db_name: 'wp_shop', db_user: 'wp_shop', admin_user: 'admin', admin_email: 'admin@shop.lab' };

describe('apt installs of one play go in as few transactions as the rule allows', () => {
  let lab: LabHosts;
  let inv: string;
  let host: string;

  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'aptj');
    host = lab.hosts[0]!.name;
    inv = writeLabInventory(lab, { groups: { web: { hosts: [0], roles: ['common', 'php_fpm', 'nginx'] } }, vars: { wordpress_sites: [SITE], common_extra_packages: ['jq'] } }).dir;
  });
  afterAll(() => lab?.release());

  it('first apply: fewer apt transactions than apt tasks, every task reported, the host converged', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    const ev = jsonEvents(r.stdout);
    const aptTasks = tasksOf(ev, host).filter((e) => ['base packages', 'extra packages', 'PHP packages', 'nginx packages'].includes(e.task));
    expect(aptTasks.map((e) => [e.task, e.status])).toEqual([
      ['base packages', 'changed'],
      ['extra packages', 'changed'],
      ['PHP packages', 'changed'],
      ['nginx packages', 'changed'],
    ]);
    // The extra packages joined the base install (next task); nginx joined PHP's (only file writes
    // and services between them). PHP could not join the base install: the common role writes
    // /etc/apt/apt.conf.d in between.
    expect(aptTasks.find((e) => e.task === 'extra packages')!.summary.at(-1)).toBe('in one transaction with task "base packages"');
    expect(aptTasks.find((e) => e.task === 'nginx packages')!.summary.at(-1)).toBe('in one transaction with task "PHP packages"');
    expect(aptTasks.find((e) => e.task === 'PHP packages')!.summary.join(' ')).not.toContain('in one transaction');
    // The host's own record of apt transactions: 2 installs for 4 tasks that installed packages.
    const history = await lab.ssh(host, "grep -c '^Commandline: apt-get .* install' /var/log/apt/history.log");
    expect(Number(history.stdout.trim())).toBe(2);
    const installed = await lab.ssh(host, "dpkg-query -W -f='${db:Status-Abbrev}${Package}\\n' jq nginx libnginx-mod-http-cache-purge php8.2-fpm | sort");
    expect(installed.stdout.trim().split('\n')).toEqual(['ii jq', 'ii libnginx-mod-http-cache-purge', 'ii nginx', 'ii php8.2-fpm']);
    expect((await lab.ssh(host, 'systemctl is-active nginx php8.2-fpm')).stdout.trim().split('\n')).toEqual(['active', 'active']);
    const done = hostDone(ev, host)!;
    expect(done.recap.aptMs).toBeGreaterThan(0);
    expect(done.recap.serviceMs).toBeGreaterThan(0);
    expect(done.recap.ms).toBeGreaterThan(done.recap.aptMs! + done.recap.serviceMs!);
  });

  it('second apply changes nothing, in one round trip', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const done = hostDone(jsonEvents(r.stdout), host)!;
    expect(done.recap.changed).toBe(0);
    expect(done.roundTrips).toBe(1);
    expect(done.recap.aptMs).toBeUndefined();
  });

  it("a handler's service restart counts as the service's time, not wpha's", async () => {
    // Only a PHP setting changes: the one service time of this run is the handler's restart.
    const r = await runWpha(['apply', '-i', inv, '--json', '-e', 'php_memory_limit=300M']);
    expect(r.code, r.stderr).toBe(0);
    const ev = jsonEvents(r.stdout);
    expect(
      tasksOf(ev, host)
        .filter((t) => t.status === 'changed')
        .map((t) => [t.task, t.handler]),
    ).toEqual([
      ['PHP settings and OPcache', false],
      ['restart php-fpm', true],
    ]);
    const done = hostDone(ev, host)!;
    expect(done.recap.serviceMs).toBeGreaterThan(0);
    expect(done.recap.ms).toBeGreaterThan(done.recap.serviceMs!);
  });
});
