import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Facts } from './facts.js';
import group, { type GroupArgs, type GroupState } from './group.js';
import type { PlanContext } from './types.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'group');
const load = (name: string): GroupState => group.parse({ stdout: readFileSync(join(fixtures, `${name}.txt`), 'utf8'), rc: 0 }, {} as GroupArgs);
const ctx: PlanContext = { host: 'db1', facts: {} as Facts, check: false, diff: false };
const args = (a: unknown): GroupArgs => group.args.parse(a);

describe('group args', () => {
  it.each([
    [{ name: 'www-deploy' }, true],
    [{ name: 'mysql', gid: 999, system: true }, true],
    [{ name: 'wheel', state: 'absent' }, true],
    [{ name: 'Admins' }, false],
    [{ name: 'a b' }, false],
    [{ name: 'x', gid: -1 }, false],
    [{ name: 'x', gid: 1.5 }, false],
    [{ name: 'x', members: ['a'] }, false],
  ])('%j valid=%s', (input, ok) => expect(group.args.safeParse(input).success).toBe(ok));
});

describe('group parse', () => {
  it.each([
    ['sudo', { exists: true, gid: 27, members: [] }],
    ['ssl-cert', { exists: true, gid: 103, members: ['postgres'] }],
    ['absent', { exists: false }],
  ])('%s', (fixture, expected) => expect(load(fixture)).toEqual(expected));
});

describe('group plan', () => {
  it.each([
    ['create', { name: 'deploy' }, 'absent', 'create group deploy', 'groupadd -- deploy'],
    ['create system with gid', { name: 'deploy', gid: 950, system: true }, 'absent', 'create group deploy (gid 950, system)', 'groupadd -g 950 -r -- deploy'],
    ['converged', { name: 'sudo' }, 'sudo', null, null],
    ['converged gid', { name: 'sudo', gid: 27 }, 'sudo', null, null],
    ['change gid', { name: 'sudo', gid: 28 }, 'sudo', 'change gid of group sudo: 27 -> 28', 'groupmod -g 28 -- sudo'],
    ['remove', { name: 'ssl-cert', state: 'absent' }, 'ssl-cert', 'remove group ssl-cert (gid 103)', 'groupdel -- ssl-cert'],
    ['already absent', { name: 'deploy', state: 'absent' }, 'absent', null, null],
  ])('%s', (_t, a, fixture, summary, apply) => {
    const plan = group.plan(args(a), load(fixture), ctx);
    expect(plan.changed).toBe(apply !== null);
    expect(plan.summary).toEqual(summary ? [summary] : []);
    expect(plan.apply).toBe(apply ?? undefined);
  });
});
