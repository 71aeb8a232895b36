/**
 * `wpha test` itself, on a tiny fixture role (test/scenarios/fixtures/roles/probe: a template
 * and, when asked, a command that changes something on every run), on fresh lab hosts: a
 * passing scenario, one that is not idempotent (listed, and its checks never run), one whose
 * checks fail (each named with what was found), --keep, and bad input refused before any host
 * boots. Every run must leave no host behind (except with --keep).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src/lab/lab.js';
import { labConfig } from '../../src/lab/config.js';
import { runWpha } from '../helpers/wpha-cli.js';

const fixtures = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
const test = (args: string[]) => runWpha(['test', ...args], { cwd: fixtures });
const scenarioHosts = () =>
  new Lab(labConfig())
    .hosts()
    .map((h) => h.name)
    .filter((n) => n.startsWith('wt-'));

describe('wpha test on a fixture role', () => {
  const before = scenarioHosts();
  const leftOver = () => scenarioHosts().filter((n) => !before.includes(n));

  it('passes a scenario: create, converge, idempotence, verify, destroy', async () => {
    const r = await test(['probe']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim().replace(/ in [\d.]+ s.*$/, ''));
    expect(lines.filter((l) => /^(create|converge|idempotence|verify|destroy|PASS|FAIL|PASSED|FAILED)/.test(l)).map((l) => l.replace(/wt-\w+-node1( \([\d.]+\))?/, 'HOST'))).toEqual([
      'create       HOST',
      'converge     ok: 1 changed, 0 ok, 0 failed',
      'idempotence  ok: 0 changed',
      'verify       ok: 3/3 check(s) passed',
      'destroy      HOST',
      'PASS probe/default: 3/3 check(s)',
      'PASSED: 1 scenario(s) passed',
    ]);
    expect(leftOver()).toEqual([]);
  });

  it('fails a scenario whose second converge changes something, naming the task, and runs no check', async () => {
    const r = await test(['probe', '--scenario', 'changes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/idempotence {2}FAILED: 1 changed/);
    expect(r.stdout).toMatch(/! not idempotent: wt-\w+-node1 probe: "counter that always changes" changed on the second converge/);
    expect(r.stdout).not.toMatch(/verify /);
    expect(r.stdout).toContain('FAIL probe/changes: 0/0 check(s)');
    expect(leftOver()).toEqual([]);
  });

  it('fails a scenario whose checks fail, with what each found', async () => {
    const r = await test(['probe', '--scenario', 'broken']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/verify {7}FAILED: 1\/3 check\(s\) passed/);
    expect(r.stdout).toMatch(/FAIL probe\/broken \[wt-\w+-node1\] the message is the scenario's: the content does not match \/\^message=from-the-scenario\$\//);
    expect(r.stdout).toMatch(/FAIL probe\/broken \[wt-\w+-node1\] a web server answers: the request failed \(curl exit 7\)/);
    expect(r.stdout).toContain('FAILED: 0 scenario(s) passed, 1 failed (probe/broken)');
    expect(leftOver()).toEqual([]);
  });

  it('keeps the hosts with --keep, and says how to reach and remove them', async () => {
    const r = await test(['probe', '--keep']);
    expect(r.code).toBe(0);
    const kept = leftOver();
    expect(kept).toHaveLength(1);
    expect(r.stdout).toContain(`look around with \`wpha lab ssh ${kept[0]}\`, remove with \`wpha lab destroy ${kept[0]}\``);
    expect((await runWpha(['lab', 'ssh', kept[0]!, 'cat /etc/wpha-probe.conf'])).stdout.trim()).toBe('message=from-the-scenario');
    expect((await runWpha(['lab', 'destroy', kept[0]!])).code).toBe(0);
    expect(leftOver()).toEqual([]);
  });

  it('refuses an unknown role or scenario, and a bad scenario, before any host boots', async () => {
    expect(await test(['prob'])).toMatchObject({ code: 64, stderr: 'wpha: Unknown role "prob" (did you mean "probe"?)' });
    expect((await test(['probe', '-s', 'nope'])).stderr).toBe('wpha: Role "probe" has no scenario "nope" (roles/probe/tests/nope.yaml); it has "bad", "broken", "changes", "default"');
    // The inventory the scenario makes is checked first; the error points into the scenario file.
    expect(await test(['probe', '-s', 'bad'])).toMatchObject({
      code: 65,
      stderr:
        'wpha: Invalid scenario "probe/bad":\n  roles/probe/tests/bad.yaml:5:5: host_vars.node1.probe_not_idempotent: Variable "probe_not_idempotent" of role "probe": expected a boolean (true or false), found string "yes"',
    });
    expect(leftOver()).toEqual([]);
  });
});
