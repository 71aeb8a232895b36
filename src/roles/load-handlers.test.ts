import { afterAll, describe, expect, it } from 'vitest';
import { roleFromYaml } from './testing/role-from-yaml.js';

const roles = roleFromYaml('handlers');
afterAll(() => roles.cleanup());
const load = roles.load;

describe('handlers that notify handlers', () => {
  it('loads a chain: a handler notifies another by name or listen name', async () => {
    const { role, issues } = await load(`tasks:
  - command: { cmd: "true" }
    notify: rebuild
handlers:
  - name: reload app
    command: { cmd: "true" }
  - name: rebuild
    command: { cmd: "true" }
    notify: app changed
  - name: restart app
    listen: app changed
    command: { cmd: "true" }
    notify: [reload app]
`);
    expect(issues).toEqual([]);
    expect(role?.handlers.map((h) => [h.name, h.notify])).toEqual([
      ['reload app', []],
      ['rebuild', ['app changed']],
      ['restart app', ['reload app']],
    ]);
  });

  it('refuses handlers that notify each other in a circle, at the notify entry that closes it, once per circle', async () => {
    const { issues } = await load(`handlers:
  - name: a
    command: { cmd: "true" }
    notify: b
  - name: b
    command: { cmd: "true" }
    notify: [x, a]
  - name: x
    command: { cmd: "true" }
  - name: self
    command: { cmd: "true" }
    notify: self
`);
    expect(issues).toEqual([
      expect.stringMatching(/role\.yaml:8:17: handlers\[1\]\.notify\[1\]: Handlers notify each other in a circle: "a" -> "b" -> "a" \(a flush runs each handler once; break the circle\)$/),
      expect.stringMatching(/role\.yaml:13:13: handlers\[3\]\.notify: Handlers notify each other in a circle: "self" -> "self"/),
    ]);
  });
});
