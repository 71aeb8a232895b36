import { afterAll, describe, expect, it } from 'vitest';
import { validateTaskExpressions } from '../engine/load.js';
import { roleFromYaml } from './testing/role-from-yaml.js';

const roles = roleFromYaml('blocks', { validateExpressions: validateTaskExpressions });
afterAll(() => roles.cleanup());
const load = roles.load;

describe('block / rescue / always', () => {
  it('flattens a block into its tasks, each knowing its block and section; the block gives when, tags and become', async () => {
    const { role, issues } = await load(`tasks:
  - name: first
    command: { cmd: "true" }
  - name: guarded
    when: ok_to_run
    tags: [web]
    become: true
    block:
      - name: in block
        command: { cmd: "false" }
        when: other
      - name: nested
        block:
          - name: inner
            command: { cmd: "true" }
        always:
          - name: inner always
            command: { cmd: "true" }
    rescue:
      - name: in rescue
        command: { cmd: "true" }
        tags: [fix]
    always:
      - name: in always
        command: { cmd: "true" }
`);
    expect(issues).toEqual([]);
    const tasks = role!.tasks;
    expect(tasks.map((t) => t.name)).toEqual(['first', 'in block', 'inner', 'inner always', 'in rescue', 'in always']);
    expect(tasks[0]!.blocks).toBeUndefined();
    const outer = { id: `${role!.name}/tasks.1`, hasRescue: true };
    expect(tasks[1]).toMatchObject({ when: '(ok_to_run) and (other)', tags: ['web'], become: true, blocks: [{ ...outer, section: 'block' }], keyPath: ['tasks', 1, 'block', 0] });
    expect(tasks[2]!.blocks).toEqual([
      { ...outer, section: 'block' },
      { id: `${role!.name}/tasks.1.block.1`, hasRescue: false, section: 'block' },
    ]);
    expect(tasks[3]!.blocks![1]!.section).toBe('always');
    expect(tasks[4]).toMatchObject({ when: 'ok_to_run', tags: ['web', 'fix'], blocks: [{ ...outer, section: 'rescue' }] });
    expect(tasks[5]!.blocks).toEqual([{ ...outer, section: 'always' }]);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
  });

  it('gives delegate_to and run_once to the tasks of a block; a task that sets them itself keeps its own; inner blocks override outer ones', async () => {
    const { role, issues } = await load(`tasks:
  - name: on the balancer
    delegate_to: "{{ lb_host }}"
    run_once: true
    block:
      - name: drain
        command: { cmd: "true" }
      - name: each host
        command: { cmd: "true" }
        run_once: false
      - name: elsewhere
        command: { cmd: "true" }
        delegate_to: db1
      - name: inner
        delegate_to: web1
        block:
          - name: innermost
            command: { cmd: "true" }
    rescue:
      - name: undo
        command: { cmd: "true" }
  - name: after
    command: { cmd: "true" }
`);
    expect(issues).toEqual([]);
    expect(role!.tasks.map((t) => [t.name, t.delegateTo, t.runOnce])).toEqual([
      ['drain', '{{ lb_host }}', true],
      ['each host', '{{ lb_host }}', false],
      ['elsewhere', 'db1', true],
      ['innermost', 'web1', true],
      ['undo', '{{ lb_host }}', true],
      ['after', undefined, false],
    ]);
  });

  it('a task a block delegates may retry, as a delegated task may', async () => {
    const { role, issues } = await load(`tasks:
  - delegate_to: db1
    block:
      - command: { cmd: "true" }
        register: up
        until: "up.rc == 0"
        retries: 2
`);
    expect(issues).toEqual([]);
    expect(role!.tasks[0]).toMatchObject({ delegateTo: 'db1', retries: 2, until: 'up.rc == 0' });
  });

  it('refuses rescue without block, operations and task keywords on a block, and empty sections, with file:line', async () => {
    const { issues } = await load(`tasks:
  - name: lonely
    rescue:
      - command: { cmd: "true" }
  - block:
      - command: { cmd: "true" }
    loop: [1, 2]
    command: { cmd: "true" }
  - block: []
`);
    expect(issues).toEqual([
      expect.stringMatching(/role\.yaml:4:5: tasks\[0\]\.rescue: "rescue" needs a "block" in the same entry/),
      expect.stringMatching(
        /role\.yaml:8:5: tasks\[1\]\.loop: A block takes only "block", "rescue", "always", "name", "when", "tags", "become", "delegate_to", "run_once", "ignore_errors", found "loop"/,
      ),
      expect.stringMatching(/role\.yaml:9:5: tasks\[1\]\.command: A block takes only .* found "command"/),
      expect.stringMatching(/role\.yaml:10:12: tasks\[2\]\.block: Expected a non-empty list of tasks under "block"/),
    ]);
  });

  it('reports a bad task inside a block at its own line', async () => {
    const { issues } = await load(`tasks:
  - block:
      - name: typo
        comand: { cmd: "true" }
`);
    expect(issues).toEqual([expect.stringMatching(/role\.yaml:5:9: tasks\[0\]\.block\[0\]\.comand: Unknown operation or keyword "comand" \(did you mean "command"\?\)/)]);
  });

  it('names the line of a task inside a block that notifies an unknown handler', async () => {
    const { issues } = await load(`tasks:
  - block:
      - command: { cmd: "true" }
        notify: restart web
handlers:
  - name: restart app
    command: { cmd: "true" }
`);
    expect(issues).toEqual([expect.stringMatching(/role\.yaml:5:17: tasks\[0\]\.block\[0\]\.notify: No handler "restart web"/)]);
  });

  it('a handler cannot be a block', async () => {
    const { issues } = await load(`handlers:
  - name: h
    block:
      - command: { cmd: "true" }
`);
    expect(issues).toEqual([expect.stringMatching(/role\.yaml:3:5: handlers\[0\]: A handler cannot be a block/)]);
  });
});

describe('retries / until / delay', () => {
  it('reads them into the task', async () => {
    const { role, issues } = await load(`tasks:
  - command: { cmd: "cat /tmp/ready" }
    register: ready
    until: "ready.stdout == 'yes'"
    retries: 5
    delay: 0.5
`);
    expect(issues).toEqual([]);
    expect(role!.tasks[0]).toMatchObject({ until: "ready.stdout == 'yes'", retries: 5, delay: 0.5 });
  });

  it('reads them into a handler too', async () => {
    const { role, issues } = await load(`tasks:
  - command: { cmd: "true" }
    notify: reload app
handlers:
  - name: reload app
    command: { cmd: "systemctl reload app" }
    register: reloaded
    until: "reloaded.rc == 0"
    retries: 3
    delay: 1
`);
    expect(issues).toEqual([]);
    expect(role!.handlers[0]).toMatchObject({ until: 'reloaded.rc == 0', retries: 3, delay: 1 });
  });

  it('refuses until or delay without retries (on a handler too), retries out of range, a bad until expression', async () => {
    const { issues } = await load(`tasks:
  - command: { cmd: "true" }
    until: "result.rc == 0"
  - command: { cmd: "true" }
    delay: 3
  - command: { cmd: "true" }
    retries: 0
  - command: { cmd: "true" }
    retries: 2
    until: "result.rc =="
handlers:
  - name: h
    command: { cmd: "true" }
    delay: 2
`);
    expect(issues).toEqual([
      expect.stringMatching(/role\.yaml:8:14: tasks\[2\]\.retries: Expected a number of retries \(an integer from 1 to 1000\), found number 0/),
      expect.stringMatching(/role\.yaml:4:5: tasks\[0\]\.until: "until" needs "retries"/),
      expect.stringMatching(/role\.yaml:6:5: tasks\[1\]\.delay: "delay" needs "retries"/),
      expect.stringMatching(/role\.yaml:9:5: until: invalid expression/),
      expect.stringMatching(/role\.yaml:15:5: handlers\[0\]\.delay: "delay" needs "retries"/),
    ]);
  });
});
