/**
 * Hostile and broken input, part 2: prototype pollution through vars (as names, nested keys, in
 * -e, in loop items, as register / loop_var names) and shell metacharacters in the strings that
 * name things on a host (packages, users, groups, units, cron fields, sysctl keys, modes,
 * owners, URLs, regexps). What cannot be passed safely is refused at load, located at the task
 * and key; what can (paths, file contents, command arguments) is proven literal on a lab host
 * in test/hostile/. Object.prototype must be untouched after every case.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildInventory, prototypeIsClean, removeInventory, roleYaml, type Files } from '../../test/hostile/fixture.js';
import { loadIssues } from '../../test/hostile/load-issues.js';

interface Case {
  name: string;
  files?: Files;
  extraVars?: string[];
  /** Each must match one issue line, in any order. */
  expect: RegExp[];
  count?: number;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeInventory));

function issuesOf(c: Case): Promise<string[]> {
  const dir = buildInventory(c.files ?? {});
  dirs.push(dir);
  return loadIssues(dir, c.extraVars);
}

/** A role whose first task is `task` (YAML of one list item). */
const withTask = (task: string): Files => ({ 'roles/app/role.yaml': roleYaml([task]) });
const ROLE = 'roles/app/role\\.yaml:\\d+:\\d+';
const at = (key: string, message: string) => new RegExp(`^${ROLE}: tasks\\[0\\]\\.${key.replaceAll('.', '\\.').replaceAll('[', '\\[').replaceAll(']', '\\]')}: ${message}`);

const prototypeCases: Case[] = [
  {
    name: '__proto__ as a host var (vars file)',
    files: { 'host_vars/web1.yaml': '__proto__: { polluted: true }\n' },
    expect: [/^host_vars\/web1\.yaml:1:1: __proto__: Key "__proto__" is not allowed \(it could alter object prototypes\)$/],
    count: 1,
  },
  {
    name: '__proto__ nested in a group var',
    files: { 'group_vars/web.yaml': 'cfg:\n  a:\n    __proto__: { polluted: true }\n' },
    expect: [/^group_vars\/web\.yaml:3:5: cfg\.a\.__proto__: Key "__proto__" is not allowed/],
    count: 1,
  },
  {
    name: 'quoted "__proto__" key in JSON style',
    files: { 'group_vars/web.yaml': '{"cfg": {"__proto__": {"polluted": true}}}\n' },
    expect: [/^group_vars\/web\.yaml:1:\d+: cfg\.__proto__: Key "__proto__" is not allowed/],
    count: 1,
  },
  {
    name: 'constructor as a role variable',
    files: { 'roles/app/role.yaml': roleYaml(['- name: x\n  copy: { dest: /x, content: x }']).replace('variables:\n', 'variables:\n  constructor: { type: map, default: {}, description: evil }\n') },
    expect: [/^roles\/app\/role\.yaml:3:3: variables\.constructor: Key "constructor" is not allowed/],
    count: 1,
  },
  {
    name: 'prototype as a host name',
    files: { 'inventory.yaml': 'hosts:\n  prototype: { address: 192.0.2.10 }\n  web1: { address: 192.0.2.11 }\ngroups:\n  web: { hosts: [web1], roles: [app] }\n' },
    expect: [/^inventory\.yaml:2:3: hosts\.prototype: Key "prototype" is not allowed/],
    count: 1,
  },
  {
    name: '-e __proto__=... and -e constructor=...',
    extraVars: ['__proto__={polluted: true}', 'constructor=x', 'prototype=[1]'],
    expect: [
      /^-e __proto__: "__proto__" cannot be used as a variable name \(it could alter object prototypes\)$/,
      /^-e constructor: "constructor" cannot be used/,
      /^-e prototype: "prototype" cannot be used/,
    ],
    count: 3,
  },
  { name: '__proto__ inside an -e value', extraVars: ['cfg={"__proto__": {"polluted": true}}'], expect: [/^-e cfg: Key "__proto__" is not allowed/], count: 1 },
  {
    name: '__proto__ in loop items',
    files: withTask('- name: per item\n  copy: { dest: "/srv/{{ item.name }}", content: x }\n  loop:\n    - { name: a }\n    - { __proto__: { polluted: true } }'),
    expect: [new RegExp(`^${ROLE}: tasks\\[0\\]\\.loop\\[1\\]\\.__proto__: Key "__proto__" is not allowed`)],
    count: 1,
  },
  {
    name: 'register: __proto__ and loop_var: constructor',
    files: withTask('- name: x\n  command: { cmd: [id] }\n  register: __proto__\n  loop: [1]\n  loop_var: constructor'),
    expect: [at('register', '"__proto__" cannot be used as a variable name'), at('loop_var', '"constructor" cannot be used as a variable name')],
    count: 2,
  },
  {
    name: 'templates reaching for prototypes',
    files: withTask(
      '- name: x\n  copy: { dest: /srv/x, content: "{{ constructor.constructor }}" }\n- name: y\n  copy: { dest: "/srv/{{ __proto__.polluted }}", content: x }\n- name: z\n  copy: { dest: /srv/z, content: x }\n  loop: "{{ prototype }}"',
    ),
    expect: [
      /^roles\/app\/role\.yaml:6:5: tasks\[0\]\.copy\.content: The name "constructor" cannot be used in a template \(in "\{\{ constructor\.constructor \}\}" at column 4\)$/,
      /^roles\/app\/role\.yaml:8:5: tasks\[1\]\.copy\.dest: The name "__proto__" cannot be used in a template/,
      /^roles\/app\/role\.yaml:10:5: tasks\[2\]\.loop: The name "prototype" cannot be used in a template/,
    ],
    count: 3,
  },
];

const metacharCases: Case[] = [
  { name: 'apt package name with ;', files: withTask('- name: p\n  apt: { name: "nginx; rm -rf /" }'), expect: [at('apt.name', 'expected a Debian package name')] },
  { name: 'apt package name with a newline', files: withTask('- name: p\n  apt: { name: [curl, "nginx\\nreboot"] }'), expect: [at('apt.name[1]', 'expected a Debian package name')] },
  { name: 'user name with $(...)', files: withTask('- name: u\n  user: { name: "bob$(id)" }'), expect: [at('user.name', 'expected a user name: .*found string "bob\\$\\(id\\)"')] },
  {
    name: 'user comment with a newline',
    files: withTask('- name: u\n  user: { name: bob, comment: "Bob\\nroot::0:0::/:/bin/sh" }'),
    expect: [at('user.comment', 'a comment cannot contain ":" or newlines')],
  },
  { name: 'supplementary group with ;', files: withTask('- name: u\n  user: { name: bob, groups: ["sudo;id"] }'), expect: [at('user.groups[0]', 'expected a group name')] },
  { name: 'group name with backquotes', files: withTask('- name: g\n  group: { name: "`reboot`" }'), expect: [at('group.name', 'expected a group name')] },
  { name: 'service name with a newline', files: withTask('- name: s\n  service: { name: "nginx\\nreboot", state: started }'), expect: [at('service.name', 'expected a systemd unit name')] },
  {
    name: 'cron field and file name',
    files: withTask('- name: c\n  cron: { name: "../../etc/passwd", minute: "*;reboot", job: "true" }'),
    expect: [at('cron.name', 'expected a cron.d file name'), at('cron.minute', 'expected a cron minute field')],
  },
  {
    name: 'cron job with a newline (a second job)',
    files: withTask('- name: c\n  cron: { name: backup, job: "true\\n* * * * * root reboot" }'),
    expect: [at('cron.job', 'job cannot contain a newline')],
  },
  { name: 'sysctl key with ;', files: withTask('- name: k\n  sysctl: { name: "net.core.somaxconn;reboot", value: 1024 }'), expect: [at('sysctl.name', 'expected a dotted kernel setting name')] },
  {
    name: 'sysctl value with a newline',
    files: withTask('- name: k\n  sysctl: { name: net.core.somaxconn, value: "1024\\nkernel.panic = 1" }'),
    expect: [at('sysctl.value', 'expected a non-empty value without newlines')],
  },
  {
    name: 'file mode, owner and group with shell text',
    files: withTask('- name: f\n  file: { path: /srv/x, state: touch, mode: "0644; reboot", owner: "root$(id)", group: "x y" }'),
    expect: [at('file.mode', 'mode must be an octal string'), at('file.owner', 'owner must be a user/group name or a numeric id'), at('file.group', 'group must be a user/group name or a numeric id')],
  },
  {
    name: 'path with a newline or ..',
    files: withTask('- name: f\n  file: { path: "/srv/x\\n/etc/shadow", state: touch }\n- name: g\n  file: { path: /srv/../etc/shadow, state: touch }'),
    expect: [at('file.path', 'must not contain newlines or NUL bytes'), /tasks\[1\]\.file\.path: must not contain "\." or "\.\." segments/],
  },
  {
    name: 'get_url with a file:// URL or spaces',
    files: withTask(
      '- name: d\n  get_url: { url: "file:///etc/shadow", dest: /tmp/x, insecure_no_checksum: true }\n- name: e\n  get_url: { url: "http://x/a b", dest: /tmp/y, insecure_no_checksum: true }',
    ),
    expect: [at('get_url.url', 'must be an http:// or https:// URL'), /tasks\[1\]\.get_url\.url: must not contain whitespace/],
  },
  {
    name: 'lineinfile with a bad regexp and a multi-line line',
    files: withTask('- name: l\n  lineinfile: { path: /etc/x, regexp: "(unclosed", line: "a" }\n- name: m\n  lineinfile: { path: /etc/x, line: "a\\nb" }'),
    expect: [at('lineinfile.regexp', 'invalid regular expression "\\(unclosed"'), /tasks\[1\]\.lineinfile\.line: must be a single line/],
  },
  {
    name: 'shell syntax in the string form of command',
    files: withTask('- name: c\n  command: { cmd: "echo ok; touch /tmp/pwned" }'),
    expect: [at('command.cmd', 'the string form of cmd cannot contain ";" .*use the list form of cmd to pass it literally, or the shell op')],
  },
  { name: 'a NUL byte in a command argument', files: withTask('- name: n\n  command: { cmd: [echo, "a\\0b"] }'), expect: [at('command.cmd[1]', 'must not contain a NUL byte')] },
];

describe('prototype pollution through vars is refused and never happens', () => {
  it.each(prototypeCases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
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

describe('shell metacharacters in names are refused at load, at the task and key', () => {
  it.each(metacharCases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const issues = await issuesOf(c);
    for (const re of c.expect)
      expect(
        issues.some((l) => re.test(l)),
        `no issue matches ${re}\n${issues.join('\n')}`,
      ).toBe(true);
    expect(prototypeIsClean()).toBe(true);
  });
});
