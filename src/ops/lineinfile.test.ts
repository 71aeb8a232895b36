import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import lineinfileOp from './lineinfile.js';
import { planContext } from '../engine/testing/run-local.js';

const fixture = (name: string) => ({ stdout: readFileSync(new URL(`./fixtures/lineinfile/${name}.txt`, import.meta.url), 'utf8'), rc: 0 });
const PHP_SHA = '0a4ec30512d005d469d220b213df4dde562d3fbfee58e81da59b4aabf5cf9e42';

function plan(raw: Record<string, unknown>, fx: string, diff = false) {
  const a = lineinfileOp.args.parse(raw);
  return lineinfileOp.plan(a, lineinfileOp.parse(fixture(fx), a), planContext({ diff }));
}

describe('lineinfile args', () => {
  it.each([
    [{ path: '/etc/x' }, /state: present needs line/],
    [{ path: '/etc/x', state: 'absent' }, /needs regexp or line/],
    [{ path: '/etc/x', line: 'a\nb' }, /single line/],
    [{ path: '/etc/x', line: 'a', insertafter: 'x', insertbefore: 'y' }, /not both/],
    [{ path: '/etc/x', line: 'a', backrefs: true }, /backrefs needs regexp/],
    [{ path: '/etc/x', line: 'a', regexp: '([' }, /invalid regular expression/],
    [{ path: '/etc/x', line: 'a', insertbefore: 'EOF' }, /insertafter: EOF/],
    [{ path: '/etc/x', line: 'a', validate: 'php -l' }, /must contain %s/],
  ])('rejects %j', (raw, re) => {
    const r = lineinfileOp.args.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });
  it('accepts BOF/EOF as insert positions and Python named groups', () => {
    expect(lineinfileOp.args.safeParse({ path: '/x', line: 'a', insertafter: 'BOF' }).success).toBe(true);
    expect(lineinfileOp.args.safeParse({ path: '/x', line: 'a', regexp: '^(?P<k>\\w+)=' }).success).toBe(true);
  });
});

describe('lineinfile plan (recorded php.ini / redis.conf)', () => {
  it('replaces the setting, guarded by the probed sha256, with a diff', () => {
    const p = plan({ path: '/etc/php/8.2/fpm/php.ini', regexp: '^memory_limit\\s*=', line: 'memory_limit = 512M', backup: true }, 'php-ini', true);
    expect(p.changed).toBe(true);
    expect(p.summary).toEqual(['update /etc/php/8.2/fpm/php.ini: replace line 3 (keeping a backup)']);
    expect(p.diff).toContain('-memory_limit = 128M\n+memory_limit = 512M\n');
    expect(p.apply).toMatch(new RegExp(`/etc/php/8.2/fpm/php.ini '' '' '' b '' ${PHP_SHA} ''$`));
    expect(p.files?.[0]?.content.toString()).toContain('memory_limit = 512M\n;upload_max_filesize');
  });

  it('is unchanged when the line is already there', () => {
    expect(plan({ path: '/x', regexp: '^post_max_size', line: 'post_max_size = 8M' }, 'php-ini')).toMatchObject({ changed: false, summary: [] });
  });

  it('fixes only the mode when the text is right', () => {
    const p = plan({ path: '/x', line: 'post_max_size = 8M', mode: '0640' }, 'php-ini');
    expect(p.summary).toEqual(['/x: mode 0644 -> 0640']);
    expect(p.apply).toBe(`wpha_attrs /x 0640 '' ''`);
  });

  it('appends to redis.conf which lacks a final newline', () => {
    const p = plan({ path: '/etc/redis/redis.conf', line: 'maxmemory 256mb', insertafter: '^# maxmemory' }, 'redis-conf');
    expect(p.summary).toEqual(['update /etc/redis/redis.conf: insert as line 5']);
    expect(p.files?.[0]?.content.toString()).toContain('# maxmemory <bytes>\nmaxmemory 256mb\nsave 3600 1\nappendonly no');
  });

  it('removes lines (absent)', () => {
    const p = plan({ path: '/x', state: 'absent', regexp: '^;' }, 'php-ini');
    expect(p.summary).toEqual(['update /x: remove 3 lines']);
  });

  it('absent on a missing file is unchanged', () => {
    expect(plan({ path: '/x', state: 'absent', regexp: 'a' }, 'absent').changed).toBe(false);
  });

  it('creates a missing file with create: true (guarded: must still be absent)', () => {
    const p = plan({ path: '/etc/x.conf', line: 'a=1', create: true, mode: '0600' }, 'absent');
    expect(p.summary).toEqual(['create /etc/x.conf: append at end of file']);
    expect(p.files?.[0]?.content.toString()).toBe('a=1\n');
    expect(p.apply).toMatch(/ \/etc\/x.conf 0600 '' '' '' '' absent ''$/);
  });

  it('without create, a missing file fails at apply with a clear message', () => {
    const p = plan({ path: '/etc/x.conf', line: 'a=1' }, 'absent');
    expect(p.warnings?.[0]).toContain('set create: true');
    expect(p.apply).toContain(`echo '"/etc/x.conf" does not exist (set create: true to create it)' >&2; exit 1`);
  });

  it('refuses binary and oversized files', () => {
    expect(() => plan({ path: '/bin/x', line: 'a' }, 'binary')).toThrow(/not a UTF-8 text file/);
    const a = lineinfileOp.args.parse({ path: '/x', line: 'a' });
    const big = { stdout: 'parent=1\nstat=regular file|644|0|0|root|root|9000000\nsha256=x\ncontent_skipped=too-large\n', rc: 0 };
    expect(() => lineinfileOp.plan(a, lineinfileOp.parse(big, a), planContext())).toThrow(/larger than 8 MiB/);
  });

  it('probes the whole content', () => {
    expect(lineinfileOp.probe(lineinfileOp.args.parse({ path: '/x', line: 'a', follow: true }), { diff: false })).toBe(`wpha_fstate /x saL '' 8388608`);
  });
});
