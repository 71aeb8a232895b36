import { afterAll, describe, expect, it } from 'vitest';
import { ANSIBLE_KEYWORD_HINTS } from './ansible-keywords.js';
import { TASK_KEYWORDS } from './schema.js';
import { roleFromYaml } from './testing/role-from-yaml.js';

const roles = roleFromYaml('ansible-keys');
afterAll(() => roles.cleanup());

describe('Ansible task keywords wpha does not take', () => {
  it('are refused at their line, each saying what to write instead', async () => {
    const { issues } = await roles.load(`tasks:
  - command: { cmd: "env" }
    environment: { A: b }
  - command: { cmd: "echo {{ item }}" }
    with_items: [a, b]
  - command: { cmd: "true" }
    no_log: true
`);
    expect(issues).toEqual([
      expect.stringMatching(/role\.yaml:4:5: tasks\[0\]\.environment: Unknown operation or keyword "environment" \(Ansible's keyword\): give `command` or `shell` an `env:` map/),
      expect.stringMatching(/role\.yaml:6:5: tasks\[1\]\.with_items: Unknown operation or keyword "with_items" \(Ansible's keyword\): use `loop:`/),
      expect.stringMatching(/role\.yaml:8:5: tasks\[2\]\.no_log: Unknown operation or keyword "no_log" \(Ansible's keyword\): not needed: vault values/),
    ]);
  });

  it('name none of the keywords wpha does take', () => {
    expect([...ANSIBLE_KEYWORD_HINTS.keys()].filter((k) => TASK_KEYWORDS.has(k))).toEqual([]);
  });
});
