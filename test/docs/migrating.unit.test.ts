/**
 * The role docs/migrating-from-ansible.md converts is real: its role.yaml, template and scenario,
 * copied out of the page, lint clean, load, and render the configuration the page promises. (The
 * same files passed `wpha test memcached` on a lab host when the page was written.)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import { projectRoot } from '../../src/paths.js';
import { runRenderUnit } from '../../src/scenario/render.js';
import { validateLabUnit } from '../../src/scenario/run-lab.js';
import { collectScenarios } from '../../src/scenario/run.js';
import { planUnits } from '../../src/scenario/units.js';

const page = readFileSync(path.join(projectRoot(), 'docs', 'migrating-from-ansible.md'), 'utf8');
/** The fenced block whose first line starts with `first`, without that line when it is a comment. */
function block(first: string): string {
  const found = [...page.matchAll(/```\w+\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith(first));
  if (!found) throw new Error(`docs/migrating-from-ansible.md has no block starting with ${first}`);
  return found;
}

const dir = mkdtempSync(path.join(tmpdir(), 'wpha-migrating-'));
const role = path.join(dir, 'roles', 'memcached');
mkdirSync(path.join(role, 'templates'), { recursive: true });
mkdirSync(path.join(role, 'tests'));
writeFileSync(path.join(role, 'role.yaml'), block('# roles/memcached/role.yaml'));
writeFileSync(path.join(role, 'templates', 'memcached.conf.hbs'), block('{{!-- roles/memcached/templates/memcached.conf.hbs'));
writeFileSync(path.join(role, 'tests', 'default.yaml'), block('description: memcached answers'));
// What the page says the template writes, checked by rendering it (no host needed).
writeFileSync(
  path.join(role, 'tests', 'rendered.yaml'),
  [
    'description: the configuration the page shows',
    'kind: render',
    'vars: { memcached_memory_mb: 32, memcached_extra_options: ["-t 4"] }',
    'verify:',
    '  - file: { path: /etc/memcached.conf, mode: "0644", contains: "^-u memcache\\n-m 32\\n-l 127\\\\.0\\\\.0\\\\.1\\n-t 4$", lacks: "^-c " }',
  ].join('\n') + '\n',
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the role converted in docs/migrating-from-ansible.md', () => {
  it('lints clean', async () => {
    expect((await lint('roles', dir)).findings).toEqual([]);
  });

  it("its scenario loads with the role's checks", async () => {
    const units = planUnits(await collectScenarios({ roles: ['memcached'], all: false, scenario: 'default', cwd: dir }));
    expect((await validateLabUnit(units[0]!)).hosts.size).toBe(1);
  });

  it('renders the configuration the page shows', async () => {
    const [unit] = planUnits(await collectScenarios({ roles: ['memcached'], all: false, scenario: 'rendered', cwd: dir }));
    const r = await runRenderUnit(unit!, () => {});
    expect(r.checks.filter((c) => !c.verdict.ok).map((c) => c.verdict.problems.join('; '))).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
