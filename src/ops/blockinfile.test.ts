import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import blockinfileOp from './blockinfile.js';
import { planContext } from '../engine/testing/run-local.js';

const fixture = (name: string) => ({ stdout: readFileSync(new URL(`./fixtures/blockinfile/${name}.txt`, import.meta.url), 'utf8'), rc: 0 });
function plan(raw: Record<string, unknown>, fx: string, diff = false) {
  const a = blockinfileOp.args.parse(raw);
  return blockinfileOp.plan(a, blockinfileOp.parse(fixture(fx), a), planContext({ diff }));
}

describe('blockinfile args', () => {
  it('has defaults', () => {
    expect(blockinfileOp.args.parse({ path: '/etc/hosts', block: 'x' })).toMatchObject({
      marker: '# {mark} MANAGED BY wpha',
      marker_begin: 'BEGIN',
      marker_end: 'END',
      state: 'present',
      create: false,
    });
  });
  it.each([
    [{ path: '/x', block: 'a', marker: '# managed' }, /must contain \{mark\}/],
    [{ path: '/x', block: 'a', marker: '# {mark}\nx' }, /single line/],
    [{ path: '/x', block: 'a', marker_begin: 'X', marker_end: 'X' }, /must differ/],
    [{ path: '/x', block: 'a', insertafter: 'a', insertbefore: 'b' }, /not both/],
    [{ path: '/x', block: 'a', insertafter: '(' }, /invalid regular expression/],
  ])('rejects %j', (raw, re) => {
    const r = blockinfileOp.args.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });
});

describe('blockinfile plan (recorded /etc/hosts)', () => {
  it('is unchanged when the block matches', () => {
    expect(plan({ path: '/etc/hosts', block: '172.31.250.38 lab28\n' }, 'hosts-with-block').changed).toBe(false);
  });
  it('replaces the block content with a diff', () => {
    const p = plan({ path: '/etc/hosts', block: '172.31.250.38 lab28\n172.31.250.39 lab29\n' }, 'hosts-with-block', true);
    expect(p.summary).toEqual(['update /etc/hosts: replace block (lines 3-5)']);
    expect(p.diff).toContain(' 172.31.250.38 lab28\n+172.31.250.39 lab29\n # END MANAGED BY wpha\n');
  });
  it('removes the block with state absent', () => {
    const p = plan({ path: '/etc/hosts', state: 'absent' }, 'hosts-with-block');
    expect(p.files?.[0]?.content.toString()).toBe('127.0.0.1 localhost\n::1 localhost ip6-localhost\n');
  });
  it('adds a second block under its own marker', () => {
    const p = plan({ path: '/etc/hosts', block: '10.0.0.1 db1', marker: '# {mark} db hosts' }, 'hosts-with-block');
    expect(p.files?.[0]?.content.toString()).toMatch(/# END MANAGED BY wpha\n# BEGIN db hosts\n10\.0\.0\.1 db1\n# END db hosts\n$/);
  });
  it('turns a lone marker into a clear plan error', () => {
    expect(() => plan({ path: '/etc/hosts', block: 'x' }, 'hosts-broken-marker')).toThrow(
      /Cannot apply "blockinfile" on host "local": in "\/etc\/hosts": found the BEGIN marker line .* without its partner/,
    );
  });
});
