/** delegate_to: a task (and the tasks of a block that sets it) runs on another inventory host, with the delegating host's variables. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents, tasksOf, hostDone } from '../helpers/wpha-cli.js';

describe('delegate_to', () => {
  let lab: LabHosts;
  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'dlg');
  });
  afterAll(async () => lab?.release());

  it('runs the delegated tasks (one retried until done) on the other host, the rest locally; a re-apply changes nothing', async () => {
    const [relay, app] = lab.hosts.map((h) => h.name) as [string, string];
    const inv = writeLabInventory(lab, { groups: { app: { hosts: [1], roles: ['relay'], vars: { relay_host: relay } } }, roleDirs: ['test/engine/fixtures/roles'] }).dir;
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(tasksOf(jsonEvents(r.stdout), app).map((t) => [t.task, t.status])).toEqual([
      [`relay folder (on ${relay})`, 'changed'],
      [`note on the relay host (on ${relay})`, 'changed'],
      ['local marker', 'changed'],
      [`wait on the relay host (on ${relay})`, 'changed'],
    ]);
    // Retried where it is delegated: two failed attempts there, done at the third.
    expect(tasksOf(jsonEvents(r.stdout), app).at(-1)?.summary).toContain('done at attempt 3');
    expect((await lab.ssh(relay, `cat /srv/relay/${app} /srv/relay/attempts`)).stdout).toBe(`from ${app}\n3`);
    expect((await lab.ssh(app, 'test -e /srv/relay; echo $?; cat /srv/local-marker')).stdout).toBe('1\nhere');
    const again = await runWpha(['apply', '-i', inv, '--json']);
    expect(hostDone(jsonEvents(again.stdout), app)?.recap).toMatchObject({ changed: 0, failed: 0, ok: 4 });
    expect((await lab.ssh(relay, 'cat /srv/relay/attempts')).stdout).toBe('3');
  });
});
