import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, formatIssue } from '../errors.js';
import { testOps } from './fixtures/known-ops.js';
import { loadRole } from './load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wpha-handlers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Loads a role whose role.yaml is `yaml`: the role, or the formatted issues. */
async function load(yaml: string) {
  const name = `h${n++}`;
  mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, name, 'role.yaml'), `description: test\n${yaml}`);
  try {
    return { role: await loadRole(name, { searchDirs: [dir], knownOps: testOps, cwd: dir }), issues: [] };
  } catch (err) {
    if (err instanceof InputError) return { role: undefined, issues: err.issues.map(formatIssue) };
    throw err;
  }
}

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
