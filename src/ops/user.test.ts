import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Facts } from './facts.js';
import type { PlanContext } from './types.js';
import { joinSteps } from './lib/plan-file.js';
import user, { type UserArgs, type UserState } from './user.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'user');
const load = (name: string): UserState => user.parse({ stdout: readFileSync(join(fixtures, `${name}.txt`), 'utf8'), rc: 0 }, {} as UserArgs);
const ctx: PlanContext = { host: 'web1', facts: {} as Facts, check: false, diff: false };
const args = (a: unknown): UserArgs => user.args.parse(a);
const shParses = (text: string) => execFileSync('/bin/sh', ['-n'], { input: text });

describe('user args', () => {
  it.each([
    [{ name: 'deploy' }, true],
    [{ name: 'deploy', groups: ['www-data', 'sudo'], append: true, shell: '/bin/bash', uid: 1500 }, true],
    [{ name: 'svc$' }, true],
    [{ name: '_apt', system: true }, true],
    [{ name: 'Deploy' }, false],
    [{ name: '1deploy' }, false],
    [{ name: 'a'.repeat(33) }, false],
    [{ name: 'deploy;id' }, false],
    [{ name: 'deploy', shell: 'bash' }, false],
    [{ name: 'deploy', home: '/home/a:b' }, false],
    [{ name: 'deploy', comment: 'x\ny' }, false],
    [{ name: 'deploy', append: true }, false],
    [{ name: 'deploy', remove: true }, false],
    [{ name: 'deploy', state: 'absent', remove: true }, true],
    [{ name: 'deploy', groups: ['Bad Group'] }, false],
  ])('%j valid=%s', (input, ok) => expect(user.args.safeParse(input).success).toBe(ok));
});

describe('user parse', () => {
  it('reads passwd, id groups and password status', () => {
    expect(load('postgres')).toEqual({
      exists: true,
      uid: 101,
      gid: 104,
      comment: 'PostgreSQL administrator,,,',
      home: '/var/lib/postgresql',
      shell: '/bin/bash',
      primary: { id: 104, name: 'postgres' },
      groups: [
        { id: 104, name: 'postgres' },
        { id: 103, name: 'ssl-cert' },
      ],
      passwordStatus: 'L',
    });
  });
  it('handles a gid without a name', () => {
    expect(load('crafted-deploy').groups?.at(-1)).toEqual({ id: 4242 });
  });
  it('absent user', () => expect(load('absent')).toEqual({ exists: false }));
  it('rejects garbage', () => expect(() => user.parse({ stdout: 'oops', rc: 1 }, {} as UserArgs)).toThrow(/unexpected output/));
});

interface PlanCase {
  title: string;
  args: unknown;
  fixture: string;
  summary?: string;
  /** Expected steps (each fails fast with `|| exit $?`). */
  apply?: string[];
}

const cases: PlanCase[] = [
  {
    title: 'create with everything',
    args: { name: 'deploy', uid: 1500, group: 'www-data', groups: ['sudo', 'adm'], shell: '/bin/bash', comment: 'Deploy user', password_lock: true },
    fixture: 'absent',
    summary: 'create user deploy (uid 1500, group www-data, groups sudo, adm, shell /bin/bash)',
    apply: ['umask 022', "useradd -u 1500 -g www-data -G sudo,adm -s /bin/bash -c 'Deploy user' -m -- deploy", 'usermod -L -- deploy'],
  },
  {
    title: 'create a system user: no home by default',
    args: { name: 'wpcron', system: true },
    fixture: 'absent',
    summary: 'create user wpcron (system)',
    apply: ['umask 022', 'useradd -r -M -- wpcron'],
  },
  {
    title: 'create home explicitly for a system user',
    args: { name: 'wpcron', system: true, create_home: true, home: '/srv/wp' },
    fixture: 'absent',
    apply: ['umask 022', 'useradd -d /srv/wp -r -m -- wpcron'],
  },
  { title: 'converged (root)', args: { name: 'root', uid: 0, group: 'root', shell: '/bin/bash', home: '/root', groups: [] }, fixture: 'root' },
  { title: 'converged with gid as number and primary in groups', args: { name: 'postgres', group: 104, groups: ['ssl-cert', 'postgres'], password_lock: true }, fixture: 'postgres' },
  {
    title: 'exact groups: add and remove',
    args: { name: 'deploy', groups: ['www-data', 'adm'] },
    fixture: 'crafted-deploy',
    summary: 'change user deploy: add to groups adm; remove from groups sudo, 4242',
    apply: ['usermod -G www-data,adm -- deploy'],
  },
  {
    title: 'append groups: only add missing',
    args: { name: 'deploy', groups: ['www-data', 'adm'], append: true },
    fixture: 'crafted-deploy',
    summary: 'change user deploy: add to groups adm',
    apply: ['usermod -a -G adm -- deploy'],
  },
  { title: 'append groups already there', args: { name: 'deploy', groups: ['sudo'], append: true }, fixture: 'crafted-deploy' },
  {
    title: 'exact empty groups clears them',
    args: { name: 'postgres', groups: [] },
    fixture: 'postgres',
    summary: 'change user postgres: remove from groups ssl-cert',
    apply: ["usermod -G '' -- postgres"],
  },
  {
    title: 'shell, home, comment, uid, primary group',
    args: { name: 'deploy', shell: '/bin/bash', home: '/srv/deploy', comment: 'Deploy', uid: 2000, group: 'www-data' },
    fixture: 'crafted-deploy',
    summary: 'change user deploy: uid 1001 -> 2000; primary group deploy -> www-data; shell /bin/sh -> /bin/bash; home /home/deploy -> /srv/deploy',
    apply: ['usermod -u 2000 -g www-data -s /bin/bash -d /srv/deploy -- deploy'],
  },
  { title: 'lock a usable password', args: { name: 'deploy', password_lock: true }, fixture: 'crafted-deploy', summary: 'change user deploy: lock password', apply: ['usermod -L -- deploy'] },
  { title: 'unlock a locked password', args: { name: 'postgres', password_lock: false }, fixture: 'postgres', apply: ['usermod -U -- postgres'] },
  { title: 'absent user stays absent', args: { name: 'deploy', state: 'absent' }, fixture: 'absent' },
  {
    title: 'remove with home',
    args: { name: 'deploy', state: 'absent', remove: true },
    fixture: 'crafted-deploy',
    summary: 'remove user deploy (uid 1001) and its home /home/deploy',
    apply: ['userdel -r -- deploy'],
  },
  { title: 'remove account only', args: { name: 'root', state: 'absent' }, fixture: 'root', apply: ['userdel -- root'] },
];

describe('user plan', () => {
  it.each(cases)('$title', (c) => {
    const plan = user.plan(args(c.args), load(c.fixture), ctx);
    const changed = c.apply !== undefined;
    expect(plan.changed).toBe(changed);
    if (!changed) {
      expect(plan.summary).toEqual([]);
      expect(plan.apply).toBeUndefined();
      return;
    }
    if (c.summary) expect(plan.summary).toEqual([c.summary]);
    expect(plan.apply).toBe(joinSteps(...c.apply!));
    shParses(plan.apply!);
  });

  it('probe asks for the password status only when password_lock is set', () => {
    expect(user.probe(args({ name: 'deploy' }), { diff: false })).not.toContain('passwd -S');
    expect(user.probe(args({ name: 'deploy', password_lock: true }), { diff: false })).toContain('passwd -S -- deploy');
  });

  it('resources', () => {
    expect(user.resources(args({ name: 'deploy', group: 'www-data', groups: ['sudo'] }))).toEqual(['user:deploy', 'group:www-data', 'group:sudo']);
  });
});
