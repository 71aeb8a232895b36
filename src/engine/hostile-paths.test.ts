/**
 * Hostile and broken input, part 3: templates and role file references that try to reach the
 * controller's filesystem (`../`, absolute paths, symbolic links out of the role, partials by
 * path). Literal references are refused at load, before any host is contacted, each located at
 * the task (or the template line) that holds it; a reference built from a variable is refused
 * when the task is expanded, with the same message, and nothing is read.
 */
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskSpec } from '../model.js';
import { OPS } from '../ops/registry.js';
import { createRenderer } from '../template/index.js';
import { Passphrases } from '../vault/passphrase.js';
import { buildInventory, prototypeIsClean, removeInventory, roleYaml, type Files } from '../../test/hostile/fixture.js';
import { partialDirs } from './check-templates.js';
import type { Facts } from '../ops/facts.js';
import { loadForRun } from './load.js';
import { loadIssues } from '../../test/hostile/load-issues.js';
import { groupsMap, hostScope, hostvarsMap } from './scope.js';
import { expandTask } from './steps.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeInventory));

interface Case {
  name: string;
  files?: Files;
  /** Symlinks to make inside the inventory: link (relative) -> target (absolute). */
  links?: Record<string, string>;
  expect: RegExp[];
}

function inventory(c: Pick<Case, 'files' | 'links'>): string {
  const dir = buildInventory(c.files ?? {});
  dirs.push(dir);
  for (const [link, target] of Object.entries(c.links ?? {})) symlinkSync(target, path.join(dir, link));
  return dir;
}

const issuesOf = (c: Case): Promise<string[]> => loadIssues(inventory(c));

const task = (t: string): Files => ({ 'roles/app/role.yaml': roleYaml([t]) });
const TASK = 'roles/app/role\\.yaml:6:5: tasks\\[0\\]';

const cases: Case[] = [
  {
    name: 'template src with ../',
    files: task('- name: t\n  template: { src: ../../../../../../etc/shadow, dest: /tmp/x }'),
    expect: [new RegExp(`^${TASK}\\.template\\.src: Template path "\\.\\./\\.\\./\\.\\./\\.\\./\\.\\./\\.\\./etc/shadow" is outside the folder ".*/roles/app/templates"$`)],
  },
  {
    name: 'template src absolute',
    files: task('- name: t\n  template: { src: /etc/shadow, dest: /tmp/x }'),
    expect: [new RegExp(`^${TASK}\\.template\\.src: Template path "/etc/shadow" is outside the folder`)],
  },
  {
    name: 'systemd_unit src with ../',
    files: task('- name: u\n  systemd_unit: { name: x.service, src: ../files/static.txt }'),
    expect: [new RegExp(`^${TASK}\\.systemd_unit\\.src: Template path "\\.\\./files/static\\.txt" is outside the folder`)],
  },
  {
    name: 'copy src with ../',
    files: task('- name: c\n  copy: { src: ../../../../etc/shadow, dest: /tmp/x }'),
    expect: [new RegExp(`^${TASK}\\.copy\\.src: File path "\\.\\./\\.\\./\\.\\./\\.\\./etc/shadow" is outside the folder ".*/roles/app/files"$`)],
  },
  { name: 'copy src absolute', files: task('- name: c\n  copy: { src: /etc/hostname, dest: /tmp/x }'), expect: [new RegExp(`^${TASK}\\.copy\\.src: File path "/etc/hostname" is outside the folder`)] },
  {
    name: 'artifact src with ../ (relative to files/)',
    files: task('- name: a\n  artifact: { src: ../../../etc/shadow, dest: /tmp/x }'),
    expect: [new RegExp(`^${TASK}\\.artifact\\.src: File path "\\.\\./\\.\\./\\.\\./etc/shadow" is outside the folder`)],
  },
  {
    name: 'a template that is a symlink out of the role',
    files: task('- name: t\n  template: { src: evil.hbs, dest: /tmp/x }'),
    links: { 'roles/app/templates/evil.hbs': '/etc/hostname' },
    expect: [new RegExp(`^${TASK}\\.template\\.src: Template path "evil\\.hbs" leads outside the folder ".*/templates" through a symbolic link \\(to "/etc/hostname"\\)$`)],
  },
  {
    name: 'a role file that is a symlink out of the role',
    files: task('- name: c\n  copy: { src: key, dest: /tmp/x }'),
    links: { 'roles/app/files/key': '/etc/hostname' },
    expect: [new RegExp(`^${TASK}\\.copy\\.src: File path "key" leads outside the folder ".*/files" through a symbolic link \\(to "/etc/hostname"\\)$`)],
  },
  {
    name: 'a partial by relative path',
    files: { 'roles/app/templates/app.conf.hbs': 'port={{ app_port }}\n{{> ../../../../etc/passwd}}\n' },
    expect: [/^roles\/app\/templates\/app\.conf\.hbs:2:1: \(document\): Partial "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is not allowed: partials are named by their file name/],
  },
  {
    name: 'a partial by absolute path',
    files: { 'roles/app/templates/app.conf.hbs': 'x\n{{> "/etc/passwd"}}\n' },
    expect: [/^roles\/app\/templates\/app\.conf\.hbs:2:1: \(document\): Partial "\/etc\/passwd" is not allowed/],
  },
  {
    name: 'a dynamic partial',
    files: { 'roles/app/templates/app.conf.hbs': '{{> (lookup this "app_name") }}\n' },
    expect: [/^roles\/app\/templates\/app\.conf\.hbs:1:1: \(document\): Dynamic partials \(\{\{> \(expression\)\}\}\) are not allowed; name the partial$/],
  },
  {
    name: 'a partial file that is a symlink is not registered',
    files: { 'roles/app/templates/app.conf.hbs': '{{> passwd}}\n' },
    links: { 'roles/app/templates/partials': '/etc' },
    expect: [/^roles\/app\/templates\/app\.conf\.hbs:1:1: \(document\): Partial "passwd" is not defined; available: /],
  },
  {
    name: 'a missing template',
    files: task('- name: t\n  template: { src: nope.hbs, dest: /tmp/x }'),
    expect: [new RegExp(`^${TASK}\\.template\\.src: No file "nope\\.hbs" in the role's templates/ folder`)],
  },
  {
    name: 'a syntax error in a task argument',
    files: task('- name: t\n  copy: { dest: /tmp/x, content: "{{ length out.stdout | x }}" }'),
    expect: [new RegExp(`^${TASK}\\.copy\\.content: Syntax error: `)],
  },
];

describe('role files and templates cannot reach the controller filesystem (load)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const issues = await issuesOf(c);
    for (const re of c.expect)
      expect(
        issues.some((l) => re.test(l)),
        `no issue matches ${re}\n${issues.join('\n')}`,
      ).toBe(true);
    expect(prototypeIsClean()).toBe(true);
  });
});

describe('a templated role file reference is refused when the task is expanded', () => {
  const facts = { hostname: 'web1' } as Facts;
  const expandFirst = async (src: string, op: 'template' | 'copy') => {
    const dir = inventory({ files: task(`- name: t\n  ${op}: { src: "{{ which }}", dest: /tmp/x }`) });
    const inv = await loadForRun({ inventory: dir, cwd: dir, extraVars: [`which=${src}`], passphrases: new Passphrases({ env: {} }) });
    const host = inv.hosts.get('web1')!;
    const role = inv.roles.get('app')!;
    const scope = hostScope(inv, host, { groups: groupsMap(inv), hostvars: hostvarsMap(inv) }, facts);
    const renderer = createRenderer({ partialDirs: partialDirs(inv), displayRoot: dir });
    return expandTask(0, role.tasks[0] as TaskSpec, scope, { host: 'web1', facts, role, renderer, ops: OPS });
  };

  it.each([
    ['template', '../../../../../../etc/shadow', /^Template path "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/shadow" is outside the folder ".*\/roles\/app\/templates"$/],
    ['template', '/etc/passwd', /^Template path "\/etc\/passwd" is outside the folder/],
    ['copy', '../../../../../../etc/shadow', /^File path "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/shadow" is outside the folder ".*\/roles\/app\/files"$/],
  ] as const)('%s src %s', async (op, src, message) => {
    const exp = await expandFirst(src, op);
    expect(exp.kind, JSON.stringify(exp).slice(0, 600)).toBe('error');
    expect(exp.kind === 'error' && exp.message).toMatch(message);
  });
});
