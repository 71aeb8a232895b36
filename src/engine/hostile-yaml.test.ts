/**
 * Hostile and broken input, part 1: YAML bombs, runaway nesting, huge files, duplicate keys, bad
 * `-e` values, unknown keys, role cycles and missing roles. Each case is an inventory that the
 * run's own loader (loadForRun: real operations, vault hooks) must refuse with every problem
 * named by file:line:col and key; a refused load never opens a connection, so no host is touched
 * (the lab tests in test/hostile/ prove that part on a real host).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { billionLaughs, buildInventory, deepMap, hugeYaml, prototypeIsClean, removeInventory, roleYaml, type Files } from '../../test/hostile/fixture.js';
import { loadIssues } from '../../test/hostile/load-issues.js';

interface Case {
  name: string;
  files?: Files;
  extraVars?: string[];
  /** Each must match one issue line (`file:line:col: key.path: message`), in any order. */
  expect: RegExp[];
  /** The exact number of issues, when it matters (one report per problem, not one per host). */
  count?: number;
}

const MB4 = 4 * 1024 * 1024;
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeInventory));

function issuesOf(c: Case): Promise<string[]> {
  const dir = buildInventory(c.files ?? {});
  dirs.push(dir);
  return loadIssues(dir, c.extraVars);
}

const cases: Case[] = [
  {
    name: 'billion laughs in inventory.yaml',
    files: { 'inventory.yaml': `${'hosts:\n  web1: { address: 192.0.2.10 }\ngroups:\n  web: { hosts: [web1], roles: [app] }\n'}vars:\n${billionLaughs('lols', 9, 10, '  ')}` },
    expect: [/^inventory\.yaml:\d+:\d+: vars\.lols\.l\d(\[\d\])+: Document expands more than 100 aliases; refusing to load it \(alias bomb\?\)$/],
    count: 1,
  },
  {
    name: 'billion laughs in a group_vars file',
    files: { 'group_vars/web.yaml': billionLaughs('lols') },
    expect: [/^group_vars\/web\.yaml:\d+:\d+: lols\.l\d(\[\d\])+: Document expands more than 100 aliases/],
    count: 1,
  },
  {
    name: 'billion laughs in role.yaml',
    files: { 'roles/app/role.yaml': roleYaml(['- name: config\n  copy: { dest: /etc/app.conf, content: x }'], `${billionLaughs('bomb').replace(/^bomb:/, 'x_bomb:')}`) },
    expect: [/^roles\/app\/role\.yaml:\d+:\d+: x_bomb\.l\d(\[\d\])+: Document expands more than 100 aliases/],
  },
  {
    name: 'billion laughs in -e @file',
    files: { 'bomb.yaml': billionLaughs('lols') },
    extraVars: ['@bomb.yaml'],
    expect: [/^bomb\.yaml:\d+:\d+: lols\.l\d(\[\d\])+: Document expands more than 100 aliases/],
    count: 1,
  },
  {
    name: 'alias bomb inline in -e key=value',
    extraVars: [`lols=[&a lol, ${Array(120).fill('*a').join(', ')}]`],
    expect: [/^-e lols: Document expands more than 100 aliases/],
    count: 1,
  },
  {
    name: 'nesting 200 deep in a host_vars file',
    files: { 'host_vars/web1.yaml': deepMap('deep', 200) },
    expect: [/^host_vars\/web1\.yaml:\d+:\d+: deep(\.k\d+)+: Nesting is deeper than 64 levels; refusing to load it$/],
    count: 1,
  },
  {
    name: 'nesting 5000 deep (parser stack) in -e',
    extraVars: [`deep=${'['.repeat(5000)}${']'.repeat(5000)}`],
    expect: [/^-e deep: Nesting is deeper than 64 levels; refusing to load it$/],
    count: 1,
  },
  {
    name: 'inventory.yaml over 4 MB',
    files: { 'inventory.yaml': hugeYaml(MB4 + 10, 'hosts:\n  web1: { address: 192.0.2.10 }\n') },
    expect: [/^inventory\.yaml:1:1: \(document\): File is \d+ bytes, more than the 4194304 bytes allowed$/],
    count: 1,
  },
  {
    name: 'group_vars file over 4 MB',
    files: { 'group_vars/web.yaml': hugeYaml(MB4 + 10, 'x: 1\n') },
    expect: [/^group_vars\/web\.yaml:1:1: \(document\): File is \d+ bytes, more than the 4194304 bytes allowed$/],
    count: 1,
  },
  {
    name: 'role.yaml over 4 MB',
    files: { 'roles/app/role.yaml': hugeYaml(MB4 + 10, roleYaml(['- name: x\n  copy: { dest: /x, content: x }'])) },
    expect: [/^roles\/app\/role\.yaml:1:1: \(document\): File is \d+ bytes, more than the 4194304 bytes allowed$/],
  },
  {
    name: 'template file over 4 MB',
    files: { 'roles/app/templates/app.conf.hbs': `${'#'.repeat(MB4 + 10)}\n{{ app_port }}\n` },
    expect: [/^roles\/app\/templates\/app\.conf\.hbs:1:1: \(document\): Template is \d+ bytes, more than the 4194304 bytes allowed$/],
    count: 1,
  },
  {
    name: 'a host listed twice under hosts:',
    files: { 'inventory.yaml': 'hosts:\n  web1: { address: 192.0.2.10 }\n  web1: { address: 192.0.2.11 }\ngroups:\n  web: { hosts: [web1], roles: [app] }\n' },
    expect: [/^inventory\.yaml:3:3: \(document\): Duplicate key "web1": this map already has an entry with this key$/],
    count: 1,
  },
  {
    name: 'a host listed twice in a group',
    files: { 'inventory.yaml': 'hosts:\n  web1: { address: 192.0.2.10 }\ngroups:\n  web: { hosts: [web1, web1], roles: [app] }\n' },
    expect: [/^inventory\.yaml:4:\d+: groups\.web\.hosts\[1\]: Host "web1" is listed twice in group "web"/],
    count: 1,
  },
  {
    name: 'duplicate key inside a task',
    files: { 'roles/app/role.yaml': roleYaml(['- name: config\n  copy: { dest: /etc/a.conf, content: x, dest: /etc/shadow }']) },
    expect: [/^roles\/app\/role\.yaml:\d+:\d+: \(document\): Duplicate key "dest"/],
    count: 1,
  },
  {
    name: 'bad -e values, all reported at once',
    extraVars: ['novalue', '=3', '9lives=1', 'a-b=1', 'open=[1,', 'q="unterminated', '@nope.yaml', 'v=!vault AAAA'],
    expect: [
      /^-e: Invalid extra var "novalue": expected key=value or @file\.yaml$/,
      /^-e: Invalid extra var "=3": expected key=value or @file\.yaml$/,
      /^-e 9lives: Expected a variable name .*found "9lives"$/,
      /^-e a-b: Expected a variable name .*found "a-b"$/,
      /^-e open: Invalid YAML: /,
      /^-e q: Invalid YAML: /,
      /^nope\.yaml:1:1: \(document\): File does not exist$/,
      /^-e v: Cannot decrypt a "!vault" value: /,
    ],
    count: 8,
  },
  {
    name: 'unknown keys anywhere, with hints',
    files: {
      'inventory.yaml': 'hosts:\n  web1: { adress: 192.0.2.10 }\ngroups:\n  web: { hosts: [web1], roles: [app] }\n',
      'roles/app/role.yaml': roleYaml(['- name: config\n  notfiy: reload\n  copy: { dset: /etc/app.conf, content: x }']),
    },
    expect: [
      /^inventory\.yaml:2:\d+: hosts\.web1\.adress: Unknown key "adress" \(did you mean "address"\?\)$/,
      /^roles\/app\/role\.yaml:\d+:\d+: tasks\[0\]\.notfiy: Unknown operation or keyword "notfiy" \(did you mean "notify"\?\)$/,
      /^roles\/app\/role\.yaml:\d+:\d+: tasks\[0\]\.copy\.dset: Unknown key "dset" \(did you mean "dest"\?\)$/,
    ],
  },
  {
    name: 'a role dependency cycle',
    files: {
      'roles/app/role.yaml': roleYaml(['- name: x\n  copy: { dest: /x, content: x }'], 'depends: [db]\n'),
      'roles/db/role.yaml': 'description: db\ndepends: [cache]\ntasks: []\n',
      'roles/cache/role.yaml': 'description: cache\ndepends: [app]\ntasks: []\n',
    },
    expect: [/^roles\/\w+\/role\.yaml:\d+:\d+: depends\[0\]: Role dependency cycle: (app|db|cache) -> (app|db|cache) -> (app|db|cache) -> (app|db|cache)$/],
    count: 1,
  },
  {
    name: "a port's `when` that is not an expression",
    files: { 'roles/app/role.yaml': roleYaml(['- name: x\n  copy: { dest: /x, content: x }'], 'ports:\n  - { port: 26379, from: cluster, when: "redis_sentinel and" }\n') },
    expect: [/^roles\/app\/role\.yaml:\d+:\d+: ports\[0\]\.when: invalid expression: .+/],
    count: 1,
  },
  {
    name: 'a missing role, with a hint',
    files: { 'inventory.yaml': 'hosts:\n  web1: { address: 192.0.2.10 }\ngroups:\n  web: { hosts: [web1], roles: [app, databse] }\n', 'roles/database/role.yaml': 'description: db\ntasks: []\n' },
    expect: [/^inventory\.yaml:4:\d+: groups\.web\.roles\[1\]: Unknown role "databse" \(did you mean "database"\?\)$/],
    count: 1,
  },
];

describe('hostile YAML, files and names are refused at load, every problem located', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const issues = await issuesOf(c);
    for (const re of c.expect)
      expect(
        issues.some((l) => re.test(l)),
        `no issue matches ${re}\n${issues.join('\n')}`,
      ).toBe(true);
    if (c.count !== undefined) expect(issues, issues.join('\n')).toHaveLength(c.count);
    expect(prototypeIsClean()).toBe(true);
  });
});
