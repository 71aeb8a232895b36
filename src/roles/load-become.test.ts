import { afterAll, describe, expect, it } from 'vitest';
import { OPS } from '../ops/registry.js';
import { roleFromYaml } from './testing/role-from-yaml.js';

const roles = roleFromYaml('become', { knownOps: OPS });
afterAll(() => roles.cleanup());
const load = roles.load;

describe("a task's become_user", () => {
  it("becomes the command's or shell's own become_user argument, templates kept for the run", async () => {
    const { role, issues } = await load(`tasks:
  - name: as the site user
    command: { cmd: "wp cache flush", chdir: /srv/www }
    become_user: www-data
  - name: templated
    shell: { cmd: "echo hi" }
    become_user: "{{ app_user }}"
  - name: said twice, the same
    command: { cmd: "true", become_user: www-data }
    become_user: www-data
`);
    expect(issues).toEqual([]);
    expect(role?.tasks.map((t) => t.args)).toEqual([
      { cmd: 'wp cache flush', chdir: '/srv/www', become_user: 'www-data' },
      { cmd: 'echo hi', become_user: '{{ app_user }}' },
      { cmd: 'true', become_user: 'www-data' },
    ]);
  });

  it('is refused, at its line, on an operation that runs as root, and when the operation names another user', async () => {
    const { issues } = await load(`tasks:
  - file: { path: /srv/x, state: directory }
    become_user: www-data
  - command: { cmd: "true", become_user: backup }
    become_user: www-data
`);
    expect(issues).toEqual(
      [
        'role.yaml:4:18: tasks[0].become_user: become_user works with "command", "shell" (they run a program as that user); "file" runs as root: give the files it makes an owner instead',
        'role.yaml:6:18: tasks[1].become_user: become_user is set twice: "www-data" on the task and "backup" in "command"',
      ].map((l) => expect.stringMatching(new RegExp(`${l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))),
    );
  });
});
