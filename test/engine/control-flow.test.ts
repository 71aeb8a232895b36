/**
 * Task control flow on a real host: block / rescue / always, retries / until on tasks and
 * handlers, handlers notifying handlers, a task's become_user (one host, the fixture role test/engine/fixtures/roles/flow).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

describe('control flow', () => {
  let lab: LabHosts;
  let host: string;
  let inv: string;
  const inventory = (vars: Record<string, unknown> = {}) => writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['flow'], vars } }, roleDirs: ['test/engine/fixtures/roles'] }).dir;
  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'flow');
    host = lab.hosts[0]!.name;
    inv = inventory();
  });
  afterAll(async () => lab?.release());

  it('a failing task in a block runs rescue then always; until retries until the output says ready; a handler retries; the host succeeds', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const events = jsonEvents(r.stdout);
    const tasks = tasksOf(events, host)
      .filter((t) => t.status !== 'skipped')
      .map((t) => [t.task, t.status, t.rescued ?? false]);
    expect(tasks).toEqual([
      ['flow folder', 'changed', false],
      ['risky step', 'failed', true],
      ['fall back', 'changed', false],
      ['clean up', 'changed', false],
      ['wait until ready', 'changed', false],
      ['ready marker', 'changed', false],
      ['as nobody', 'changed', false],
      // Handlers are judged as tasks are: retried until done, changed_when obeyed; what a
      // changed handler notifies runs next, in the same flush (defined before it, run after).
      ['count restarts', 'changed', false],
      ['quiet handler', 'ok', false],
      ['note the chain', 'changed', false],
    ]);
    // "never reached" is not reported: the block stopped at the failure.
    expect(
      tasksOf(events, host)
        .filter((t) => t.status === 'skipped')
        .map((t) => t.task),
    ).toEqual(['doomed step', 'note the failure', 'after the doomed block', 'may fail', 'after the ignored failure', 'last task, ignored']);
    const risky = tasksOf(events, host).find((t) => t.task === 'risky step')!;
    expect(risky.error).toContain('risky step broke');
    expect(tasksOf(events, host).find((t) => t.task === 'wait until ready')!.summary).toContain('done at attempt 3');
    expect(tasksOf(events, host).find((t) => t.task === 'count restarts')!.summary).toContain('done at attempt 2');
    expect(hostDone(events, host)?.recap).toMatchObject({ failed: 0, rescued: 1 });
    const files = await lab.ssh(host, 'ls /srv/flow; wc -l < /srv/flow/attempts; wc -l < /srv/flow/handler-attempts');
    // "never chained" did not run: the handler notifying it reported ok.
    expect(files.stdout.split('\n')).toEqual(['always', 'attempts', 'chained', 'handler-attempts', 'ready', 'rescued', '3', '2']);
    expect(tasksOf(events, host).map((t) => t.task)).not.toContain('never chained');
    // A task's become_user: the program ran as that user (and wrote its file as that user).
    expect((await lab.ssh(host, 'cat /tmp/flow-who; stat -c %U /tmp/flow-who')).stdout).toBe('nobody\nnobody');
  });

  it('a second apply changes nothing, in one round trip (facts cached by the first)', async () => {
    const r = await runWpha(['apply', '-i', inv, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const done = hostDone(jsonEvents(r.stdout), host);
    const changed = tasksOf(jsonEvents(r.stdout), host).filter((t) => t.status === 'changed' || t.status === 'failed');
    expect(changed).toEqual([]);
    expect(done?.recap).toMatchObject({ changed: 0, failed: 0 });
    expect(done?.recap.rescued).toBeUndefined();
    expect(done?.roundTrips).toBe(1);
    // The rescue task is not reported when its block did not fail.
    expect(tasksOf(jsonEvents(r.stdout), host).map((t) => t.task)).not.toContain('fall back');
  });

  it('plan names the handlers a notified handler would bring in, and changes nothing', async () => {
    // With the marker gone, "ready marker" would change and notify both handlers.
    await lab.ssh(host, 'mv /srv/flow/ready /srv/flow/ready.kept');
    try {
      const r = await runWpha(['plan', '-i', inv, '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const handlers = tasksOf(jsonEvents(r.stdout), host)
        .filter((t) => ['count restarts', 'quiet handler', 'note the chain', 'never chained'].includes(t.task))
        .map((t) => [t.task, t.status, t.summary]);
      expect(handlers).toEqual([
        ['note the chain', 'changed', ['would run if handler "count restarts" changes something']],
        ['count restarts', 'changed', ['would run (notified)']],
        ['quiet handler', 'changed', ['would run (notified)']],
        ['never chained', 'changed', ['would run if handler "quiet handler" changes something']],
      ]);
      expect((await lab.ssh(host, 'test -e /srv/flow/ready; echo $?')).stdout).toBe('1');
    } finally {
      await lab.ssh(host, 'mv /srv/flow/ready.kept /srv/flow/ready');
    }
  });

  it('ignore_errors: the failure is reported and counted apart, the host goes on with the next task and succeeds', async () => {
    const r = await runWpha(['apply', '-i', inventory({ flow_ignore_drill: true }), '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const events = jsonEvents(r.stdout);
    const tasks = tasksOf(events, host).filter((t) => t.status !== 'ok' && t.status !== 'skipped');
    // Ignored inside a block that has a rescue (the rescue does not run), and as the play's last task.
    expect(tasks.map((t) => [t.task, t.status, t.ignored ?? false, t.rescued ?? false])).toEqual([
      ['may fail', 'failed', true, false],
      ['after the ignored failure', 'changed', false, false],
      ['last task, ignored', 'failed', true, false],
    ]);
    expect(tasks[0]!.error).toContain('optional step broke');
    expect(hostDone(events, host)?.recap).toMatchObject({ failed: 0, ignored: 2 });
    expect(hostDone(events, host)?.recap.rescued).toBeUndefined();
    // The next task saw the failed one's registered result; the rescue did not run.
    expect((await lab.ssh(host, 'cat /srv/flow/after-ignored; test -e /srv/flow/rescued-wrongly; echo $?')).stdout).toBe('5\n1');
    // Without --json: the task line and the recap's own column.
    const plain = await runWpha(['apply', '-i', inventory({ flow_ignore_drill: true })]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(new RegExp(`${host} \\| failed, ignored \\| flow \\| may fail \\| exit 5: optional step broke`));
    expect(plain.stdout).toMatch(/HOST +ok +changed +failed +ignored +skipped/);
  });

  it('a failure in a block without rescue runs its always, then the host fails and runs nothing after the block', async () => {
    const r = await runWpha(['apply', '-i', inventory({ flow_always_drill: true }), '--json']);
    expect(r.code).toBe(1);
    const events = jsonEvents(r.stdout);
    const tasks = tasksOf(events, host)
      .filter((t) => t.status !== 'ok')
      .map((t) => [t.task, t.status, t.rescued ?? false]);
    expect(tasks).toEqual([
      ['doomed step', 'failed', false],
      ['note the failure', 'changed', false],
    ]);
    expect(hostDone(events, host)?.recap).toMatchObject({ failed: 1 });
    expect((await lab.ssh(host, 'cat /srv/flow/noted; test -e /srv/flow/after; echo $?')).stdout).toBe('noted\n1');
  });

  it('until never true: the task fails naming its attempts, and the host fails', async () => {
    await lab.ssh(host, 'rm /srv/flow/ready /srv/flow/attempts');
    const r = await runWpha(['apply', '-i', inventory({ flow_ready_at: 99 })]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed \| flow \| wait until ready \| until "probe.stdout == 'ready'" still false after 6 attempts/);
    expect((await lab.ssh(host, 'wc -l < /srv/flow/attempts; test -e /srv/flow/ready; echo $?')).stdout).toBe('6\n1');
  });
});
