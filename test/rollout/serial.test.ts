/**
 * Rolling applies on lab hosts: `serial` and `max_fail_percentage` of a group, and `--serial` /
 * `--max-fail-percentage` on the command line. A batch starts only when the previous one has
 * finished; the batch that breaks its failure budget stops the run before the next batch touches
 * anything: no SSH login, no lock, no file on the later batches' hosts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents, tasksOf, hostDone } from '../helpers/wpha-cli.js';
import type { RunEvent } from '../../src/engine/events.js';

const ROLES = 'test/engine/fixtures/roles';

/** SSH logins sshd accepted on a host since it booted (from its journal). */
async function logins(lab: LabHosts, host: string): Promise<number> {
  const r = await lab.ssh(host, "journalctl -b -q --no-pager _COMM=sshd | grep -c 'Accepted publickey' || true");
  return Number(r.stdout.trim());
}

/** Proves wpha never reached a host: the only login since `before` is this check's own. */
async function untouched(lab: LabHosts, host: string, before: number): Promise<void> {
  expect(await logins(lab, host)).toBe(before + 1);
  expect((await lab.ssh(host, 'ls -d /srv/demo /run/wpha.lock /run/wpha.lock.info 2>/dev/null | wc -l')).stdout).toBe('0');
}

const ofType = <T extends RunEvent['type']>(ev: RunEvent[], type: T) => ev.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

describe('rolling apply (serial, max_fail_percentage)', () => {
  let lab: LabHosts;
  let names: string[];
  let a: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(4, 'ser');
    names = lab.hosts.map((h) => h.name);
    a = names[0]!;
  });
  afterAll(async () => lab?.release());

  const inventory = (serial: unknown, maxFail?: number) =>
    writeLabInventory(lab, { groups: { app: { hosts: [0, 1, 2, 3], roles: ['demo'], serial, ...(maxFail !== undefined ? { max_fail_percentage: maxFail } : {}) } }, roleDirs: [ROLES] }).dir;

  it("a failure in the first batch stops the run: the later batches' hosts are never contacted", async () => {
    const inv = inventory([1, 1, '100%'], 0);
    const rest = names.slice(1);
    const before = Object.fromEntries(await Promise.all(rest.map(async (h) => [h, await logins(lab, h)] as const)));
    const junit = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-junit-')), 'report.xml');
    const r = await runWpha(['apply', '-i', inv, '-e', `demo_fail_on=${a}`, '--json', '--junit', junit]);
    expect(r.code).toBe(1);
    const ev = jsonEvents(r.stdout);
    expect(ofType(ev, 'batch-start').map((b) => [b.batch, b.batches, b.hosts])).toEqual([[1, 3, [a]]]);
    const stop = ofType(ev, 'rollout-stopped');
    expect(stop).toHaveLength(1);
    expect(stop[0]!.notRun).toEqual(rest);
    expect(stop[0]!.reason).toMatch(
      new RegExp(`^Rollout stopped after batch 1 of 3: group "app" \\(\\S*inventory\\.yaml:\\d+:\\d+\\): 1 of 1 host\\(s\\) of this batch failed \\(${a}\\), more than max_fail_percentage 0$`),
    );
    expect(tasksOf(ev, a).find((t) => t.status === 'failed')?.task).toBe('fail on one host');
    for (const h of rest) expect(ev.filter((e) => 'host' in e && e.host === h)).toEqual([]);
    expect(ofType(ev, 'run-done')[0]).toMatchObject({ failed: true, notRun: rest });
    expect(Object.keys(ofType(ev, 'run-done')[0]!.recaps)).toEqual([a]);
    for (const h of rest) await untouched(lab, h, before[h]!);
    // The canary itself was converged up to the failing task, under its lock (released since).
    expect((await lab.ssh(a, 'ls /srv/demo/demo.conf && test ! -e /srv/demo/last && test ! -e /run/wpha.lock.info && echo ok')).stdout).toContain('ok');
    const xml = readFileSync(junit, 'utf8');
    for (const h of rest) expect(xml).toContain(`<testcase classname="${h}" name="not run"><skipped message="Rollout stopped after batch 1 of 3:`);
  });

  it('without failures, the batches run one after the other; a re-run changes nothing', async () => {
    const inv = inventory([1, 1, '100%'], 0);
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code).toBe(0);
    const ev = jsonEvents(r.stdout);
    const [b, c, d] = names.slice(1) as [string, string, string];
    expect(ofType(ev, 'batch-start').map((x) => x.hosts)).toEqual([[a], [b], [c, d]]);
    // In the event stream, each batch starts after every host of the previous one is done.
    const at = (pred: (e: RunEvent) => boolean) => ev.findIndex(pred);
    const start = (n: number) => at((e) => e.type === 'batch-start' && e.batch === n);
    const done = (h: string) => at((e) => e.type === 'host-done' && e.host === h);
    const firstTask = (h: string) => at((e) => e.type === 'task' && e.host === h);
    expect(done(a)).toBeLessThan(start(2));
    expect(start(2)).toBeLessThan(firstTask(b));
    expect(done(b)).toBeLessThan(start(3));
    expect(start(3)).toBeLessThan(Math.min(firstTask(c), firstTask(d)));
    // On the hosts (one kernel clock for all lab hosts): b's files were written after a's, c's and d's after b's.
    const mtime = async (h: string) => Number((await lab.ssh(h, 'stat -c %.9Y /srv/demo/last')).stdout);
    const [ta, tb, tc, td] = await Promise.all([a, b, c, d].map(mtime));
    expect(tb).toBeGreaterThan(ta!);
    expect(Math.min(tc!, td!)).toBeGreaterThan(tb!);
    expect(ofType(ev, 'rollout-stopped')).toEqual([]);
    const again = jsonEvents((await runWpha(['apply', '-i', inv, '--json'])).stdout);
    expect(tasksOf(again).filter((t) => t.status === 'changed')).toEqual([]);
    for (const h of names) expect(hostDone(again, h)?.roundTrips).toBe(1);
  });

  it('max_fail_percentage must be exceeded to stop: 1 failure in a batch of 2 at 50% goes on', async () => {
    const inv = inventory([1, 2, 1], 50);
    const [b, c, d] = names.slice(1) as [string, string, string];
    await Promise.all(names.map((h) => lab.ssh(h, 'rm -f /srv/demo/last')));
    const r = await runWpha(['apply', '-i', inv, '-e', `demo_fail_on=${b}`, '--json']);
    expect(r.code).toBe(1);
    const ev = jsonEvents(r.stdout);
    expect(ofType(ev, 'batch-start').map((x) => x.hosts)).toEqual([[a], [b, c], [d]]);
    expect(ofType(ev, 'rollout-stopped')).toEqual([]);
    expect(hostDone(ev, b)?.recap.failed).toBe(1);
    for (const h of [a, c, d]) expect((await lab.ssh(h, 'cat /srv/demo/last')).stdout).toBe('done');
    expect((await lab.ssh(b, 'test -e /srv/demo/last; echo $?')).stdout).toBe('1');
  });

  it('--serial and --max-fail-percentage on the command line override the group', async () => {
    const inv = inventory([1, 2, 1], 50);
    const [b, c, d] = names.slice(1) as [string, string, string];
    await Promise.all(names.map((h) => lab.ssh(h, 'rm -f /srv/demo/last')));
    const before = { [c]: await logins(lab, c), [d]: await logins(lab, d) };
    const r = await runWpha(['apply', '-i', inv, '--serial', '2', '--max-fail-percentage', '0', '-e', `demo_fail_on=${a}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`Batch 1/2: ${a}, ${b}\n`);
    expect(r.stdout).toContain(
      `Rollout stopped after batch 1 of 2: --serial 2: 1 of 2 host(s) of this batch failed (${a}), more than max_fail_percentage 0\nNot run (no connection made): ${c}, ${d}\n`,
    );
    expect((await lab.ssh(b, 'cat /srv/demo/last')).stdout).toBe('done');
    for (const h of [c, d]) {
      expect(await logins(lab, h)).toBe(before[h]! + 1);
      expect((await lab.ssh(h, 'test -e /srv/demo/last; echo $?')).stdout).toBe('1');
    }
  });

  it('refuses bad command-line sizes before any host is touched', async () => {
    const inv = inventory([1], 0);
    const zero = await runWpha(['apply', '-i', inv, '--serial', '1,0']);
    expect(zero.code).toBe(64);
    expect(zero.stderr).toContain('--serial "1,0": Batch size "0" is not valid: use a whole number of hosts (1 or more) or a percentage such as "25%" (1% to 100%)');
    const pct = await runWpha(['apply', '-i', inv, '--max-fail-percentage', '120']);
    expect(pct.code).toBe(64);
    expect(pct.stderr).toContain('--max-fail-percentage takes a percentage from 0 to 100, not "120"');
  });
});
