import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Facts } from './facts.js';
import { OperationError } from '../errors.js';
import service, { unitName, type ServiceArgs, type ServiceState } from './service.js';
import type { PlanContext } from './types.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'service');
const load = (name: string): ServiceState => service.parse({ stdout: readFileSync(join(fixtures, `${name}.txt`), 'utf8'), rc: 0 }, {} as ServiceArgs);
const ctx: PlanContext = { host: 'web1', facts: {} as Facts, check: false, diff: false };
const args = (a: unknown): ServiceArgs => service.args.parse(a);
const shParses = (text: string) => execFileSync('/bin/sh', ['-n'], { input: text });

describe('service args', () => {
  it.each([
    [{ name: 'nginx', state: 'started' }, true],
    [{ name: 'php8.2-fpm', enabled: true }, true],
    [{ name: 'getty@tty1.service', state: 'stopped', enabled: false }, true],
    [{ name: 'nginx' }, false],
    [{ name: 'nginx; reboot', state: 'started' }, false],
    [{ name: 'nginx', state: 'running' }, false],
  ])('%j valid=%s', (input, ok) => expect(service.args.safeParse(input).success).toBe(ok));

  it.each([
    ['nginx', 'nginx.service'],
    ['php8.2-fpm', 'php8.2-fpm.service'],
    ['rclone-backup.timer', 'rclone-backup.timer'],
    ['getty@tty1', 'getty@tty1.service'],
  ])('unit name %s -> %s', (n, u) => expect(unitName(n)).toBe(u));
});

describe('service parse', () => {
  it('reads systemctl show properties', () => {
    expect(load('running-enabled').props).toEqual({
      LoadState: 'loaded',
      ActiveState: 'active',
      SubState: 'running',
      UnitFileState: 'enabled',
      NeedDaemonReload: 'no',
    });
  });
  it('keeps systemctl error lines when systemd is not running', () => {
    const s = load('no-systemd');
    expect(s.props).toEqual({});
    expect(s.messages.join(' ')).toMatch(/not been booted with systemd/);
  });
});

interface PlanCase {
  title: string;
  args: unknown;
  fixture: string;
  changed: boolean;
  summary?: string[];
  apply?: string[];
  warning?: RegExp;
}

const planCases: PlanCase[] = [
  { title: 'started+enabled, already so', args: { name: 'nginx', state: 'started', enabled: true }, fixture: 'running-enabled', changed: false },
  {
    title: 'started+enabled from stopped/disabled: enable --now, then verify',
    args: { name: 'nginx', state: 'started', enabled: true },
    fixture: 'stopped-disabled',
    changed: true,
    summary: ['enable nginx.service at boot (now disabled)', 'start nginx.service (now inactive)'],
    apply: ['wpha_unit_run nginx.service enable --now -- nginx.service', 'wpha_unit_verify nginx.service start'],
  },
  {
    title: 'started only',
    args: { name: 'nginx', state: 'started' },
    fixture: 'stopped-disabled',
    changed: true,
    summary: ['start nginx.service (now inactive)'],
    apply: ['wpha_unit_run nginx.service start -- nginx.service', 'wpha_unit_verify nginx.service start'],
  },
  {
    title: 'failed unit with changed unit file: daemon-reload, then start',
    args: { name: 'nginx', state: 'started' },
    fixture: 'failed-needs-reload',
    changed: true,
    summary: ['reload systemd units first (nginx.service changed on disk)', 'start nginx.service (now failed)'],
    apply: ['systemctl daemon-reload', 'wpha_unit_run nginx.service start -- nginx.service'],
  },
  { title: 'needs daemon-reload but otherwise converged: nothing', args: { name: 'nginx', enabled: true }, fixture: 'failed-needs-reload', changed: false },
  {
    title: 'a drop-in systemd has not read (new folder: NeedDaemonReload says no) is loaded',
    args: { name: 'cron', state: 'started', enabled: true },
    fixture: 'running-dropin-unread',
    changed: true,
    summary: ['reload systemd units (cron.service has drop-ins systemd has not read: /etc/systemd/system/cron.service.d/x.conf)'],
    apply: ['systemctl daemon-reload'],
  },
  { title: 'a drop-in systemd has read: nothing', args: { name: 'cron', state: 'started', enabled: true }, fixture: 'running-dropin-read', changed: false },
  {
    title: 'activating (auto-restart loop) is not started',
    args: { name: 'nginx', state: 'started' },
    fixture: 'activating-auto-restart',
    changed: true,
    apply: ['wpha_unit_run nginx.service start -- nginx.service'],
  },
  {
    title: 'stopped+disabled from running/enabled: disable --now',
    args: { name: 'nginx', state: 'stopped', enabled: false },
    fixture: 'running-enabled',
    changed: true,
    summary: ['disable nginx.service at boot (now enabled)', 'stop nginx.service (now active)'],
    apply: ['wpha_unit_run nginx.service disable --now -- nginx.service'],
  },
  { title: 'stopped, already stopped', args: { name: 'nginx', state: 'stopped' }, fixture: 'stopped-disabled', changed: false },
  { title: 'stopped, failed counts as stopped', args: { name: 'nginx', state: 'stopped' }, fixture: 'failed-needs-reload', changed: false },
  {
    title: 'restarted always changes',
    args: { name: 'nginx', state: 'restarted' },
    fixture: 'running-enabled',
    changed: true,
    summary: ['restart nginx.service'],
    apply: ['wpha_unit_run nginx.service restart -- nginx.service', 'wpha_unit_verify nginx.service restart'],
  },
  {
    title: 'reloaded always changes and starts a stopped unit',
    args: { name: 'nginx', state: 'reloaded' },
    fixture: 'stopped-disabled',
    changed: true,
    summary: ['start nginx.service (not running, so not reloaded)'],
    apply: ['then wpha_unit_run nginx.service reload -- nginx.service; else wpha_unit_run nginx.service start -- nginx.service; fi', 'wpha_unit_verify nginx.service reload'],
  },
  { title: 'static unit: enabled true is satisfied', args: { name: 'foo', enabled: true }, fixture: 'static-active', changed: false },
  { title: 'static unit: enabled false is satisfied', args: { name: 'foo', enabled: false }, fixture: 'static-active', changed: false },
  {
    title: 'missing unit to stop: nothing, with a warning',
    args: { name: 'apache2', state: 'stopped', enabled: false },
    fixture: 'not-found',
    changed: false,
    warning: /apache2\.service" does not exist/,
  },
  { title: 'masked unit to stop: nothing', args: { name: 'nginx', state: 'stopped' }, fixture: 'masked', changed: false },
];

describe('service plan', () => {
  it.each(planCases)('$title', (c) => {
    const plan = service.plan(args(c.args), load(c.fixture), ctx);
    expect(plan.changed).toBe(c.changed);
    if (c.warning) expect(plan.warnings?.join('\n')).toMatch(c.warning);
    if (!c.changed) {
      expect(plan.apply).toBeUndefined();
      expect(plan.summary).toEqual([]);
      return;
    }
    if (c.summary) expect(plan.summary).toEqual(c.summary);
    for (const s of c.apply ?? []) expect(plan.apply).toContain(s);
    shParses(`${service.prelude}\n( set -eu\n${plan.apply}\n)`);
  });

  it.each([
    ['not-found', { name: 'nginx', state: 'started' }, /unit "nginx\.service" does not exist/],
    ['not-found', { name: 'nginx', enabled: true }, /does not exist/],
    ['masked', { name: 'nginx', state: 'started' }, /is masked; unmask it first/],
    ['bad-setting', { name: 'nginx', state: 'started' }, /failed to load \(LoadState=bad-setting\)/],
    ['no-systemd', { name: 'nginx', state: 'started' }, /is systemd running\?\): System has not been booted/],
  ])('%s + %j is a plan error', (fixture, a, re) => {
    expect(() => service.plan(args(a), load(fixture), ctx)).toThrow(OperationError);
    expect(() => service.plan(args(a), load(fixture), ctx)).toThrow(re);
  });

  it('quotes unit names with a backslash escape', () => {
    const plan = service.plan(args({ name: 'mnt-a\\x2db.mount', state: 'started' }), load('stopped-disabled'), ctx);
    expect(plan.apply).toContain("wpha_unit_run 'mnt-a\\x2db.mount' start -- 'mnt-a\\x2db.mount'");
  });

  it('probe is one systemctl show (prefetched for the whole probe when possible); resources name the unit', () => {
    const a = args({ name: 'nginx', state: 'started' });
    expect(service.probe(a, { diff: false })).toBe(
      'wpha_unit_show nginx.service -p LoadState -p ActiveState -p SubState -p UnitFileState -p NeedDaemonReload -p DropInPaths 2>&1\nfor f in /etc/systemd/system/nginx.service.d/*.conf /run/systemd/system/nginx.service.d/*.conf; do if [ -e "$f" ]; then printf \'DropInOnDisk=%s\\n\' "$f"; fi; done',
    );
    expect(service.prelude).toContain('wpha_unit_show() {');
    expect(service.resources(a)).toEqual(['unit:nginx.service', '/etc/systemd/system/nginx.service', '/etc/systemd/system/nginx.service.d']);
  });
});

describe('service prelude (run with a fake systemctl/journalctl on PATH)', () => {
  // Stand-ins let the prelude's real control flow run here: the fake systemctl answers
  // `is-active` from a list of states and fails every other call when told to.
  const run = (activeStates: string[], call: string, otherCallsFail = false) => {
    const script = [
      'set -eu',
      'd=$(mktemp -d); trap \'rm -rf "$d"\' EXIT',
      `printf '%s\\n' ${activeStates.map((s) => `'${s}'`).join(' ')} > "$d/states"`,
      'cat > "$d/systemctl" <<\'EOF\'\n#!/bin/sh\nif [ "$1" = is-active ]; then head -n1 "$(dirname "$0")/states"; sed -i 1d "$(dirname "$0")/states"; exit 0; fi\n' +
        (otherCallsFail ? 'echo "Job for $3 failed because the control process exited with error code." >&2; exit 1\n' : 'exit 0\n') +
        'EOF',
      // The journal: nothing for --sync; for a read, the unit (after -q -u) and systemd's Failed line.
      'printf \'#!/bin/sh\\n[ "$1" = --sync ] && exit 0\\necho "journal of $3"\\necho "Failed to start $3."\\n\' > "$d/journalctl"',
      'chmod +x "$d/systemctl" "$d/journalctl"; PATH="$d:$PATH"',
      service.prelude!,
      call,
    ].join('\n');
    try {
      execFileSync('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      return { ok: true, stderr: '' };
    } catch (e) {
      return { ok: false, stderr: String((e as { stderr: Buffer }).stderr) };
    }
  };
  it('verify passes once the unit is active', () => expect(run(['activating', 'active'], 'wpha_unit_verify nginx.service start').ok).toBe(true));
  it('verify fails with the journal when the unit failed', () => {
    const r = run(['failed'], 'wpha_unit_verify nginx.service start');
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('unit "nginx.service" is not active after start (state: failed)');
    expect(r.stderr).toContain('journal of nginx.service');
  });
  it('a failing systemctl call shows its message and the journal, and keeps its status', () => {
    const r = run([], 'wpha_unit_run nginx.service start -- nginx.service', true);
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('Job for nginx.service failed');
    expect(r.stderr).toContain('systemctl start -- nginx.service failed; last journal lines of nginx.service:');
    expect(r.stderr).toContain('journal of nginx.service');
  });
  it('a successful systemctl call is silent', () => expect(run([], 'wpha_unit_run nginx.service start -- nginx.service')).toEqual({ ok: true, stderr: '' }));
});
