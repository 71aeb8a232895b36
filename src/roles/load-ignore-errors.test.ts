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
});
