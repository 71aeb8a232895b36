import { afterAll, describe, expect, it } from 'vitest';
import { roleFromYaml } from './testing/role-from-yaml.js';

const roles = roleFromYaml('ignore-errors');
afterAll(() => roles.cleanup());

describe('ignore_errors', () => {
  it('is read on a task', async () => {
    const { role, issues } = await roles.load(`tasks:
  - command: { cmd: "false" }
    ignore_errors: true
  - command: { cmd: "true" }
    ignore_errors: false
`);
    expect(issues).toEqual([]);
    expect(role?.tasks.map((t) => t.ignoreErrors)).toEqual([true, undefined]);
  });

  it('is refused, at its key, on a task with loop and on a handler', async () => {
    const { issues } = await roles.load(`tasks:
  - command: { cmd: "echo {{ item }}" }
    loop: [a, b]
    ignore_errors: true
handlers:
  - name: h
    command: { cmd: "true" }
    ignore_errors: true
`);
    expect(issues).toEqual([
      expect.stringMatching(
        /role\.yaml:5:5: tasks\[0\]\.ignore_errors: ignore_errors is not taken on a task with loop \(the items after a failed one would not run\): use failed_when: false, or one task per item$/,
      ),
      expect.stringMatching(/role\.yaml:9:5: handlers\[0\]\.ignore_errors: ignore_errors is not taken on a handler \(a failed handler ends the flush\): use failed_when: false$/),
    ]);
  });

  it('a block gives it to each of its tasks (inner blocks too); a task that sets it itself keeps its own', async () => {
    const { role, issues } = await roles.load(`tasks:
  - ignore_errors: true
    block:
      - name: first
        command: { cmd: "false" }
      - name: opts out
        command: { cmd: "false" }
        ignore_errors: false
      - block:
          - name: nested
            command: { cmd: "false" }
    rescue:
      - name: rescue
        command: { cmd: "true" }
  - name: outside
    command: { cmd: "false" }
`);
    expect(issues).toEqual([]);
    expect(role?.tasks.map((t) => [t.name, t.ignoreErrors ?? false])).toEqual([
      ['first', true],
      ['opts out', false],
      ['nested', true],
      ['rescue', true],
      ['outside', false],
    ]);
  });

  it("refuses a block's ignore_errors on a looped task in it, at the task's loop", async () => {
    const { issues } = await roles.load(`tasks:
  - ignore_errors: true
    block:
      - command: { cmd: "echo {{ item }}" }
        loop: [a, b]
`);
    expect(issues).toEqual([expect.stringMatching(/role\.yaml:6:9: tasks\[0\]\.block\[0\]\.loop: the block's ignore_errors is not taken on a task with loop/)]);
  });
});
