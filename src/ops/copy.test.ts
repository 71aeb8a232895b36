import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import copyOp, { type CopyPrepared } from './copy.js';
import { sha256Hex } from './lib/index.js';
import type { PrepareContext } from './types.js';
import { LOCAL_FACTS, planContext } from '../engine/testing/run-local.js';

const fixture = (name: string) => ({ stdout: readFileSync(new URL(`./fixtures/copy/${name}.txt`, import.meta.url), 'utf8'), rc: 0 });
const NGINX = 'user www-data;\nworker_processes auto;\n';
const NGINX_NEW = 'user www-data;\nworker_processes 2;\n';

const prepCtx = (files: Record<string, string>): PrepareContext => ({
  host: 'web1',
  facts: LOCAL_FACTS,
  vars: {},
  readRoleFile: (rel) => {
    if (!(rel in files)) throw new Error(`no role file ${rel}`);
    return Buffer.from(files[rel]!);
  },
  renderTemplate: () => {
    throw new Error('not used');
  },
});
const prepare = (raw: unknown, files: Record<string, string> = {}): CopyPrepared => copyOp.prepare!(copyOp.args.parse(raw), prepCtx(files));

describe('copy args', () => {
  it.each([
    [{ dest: '/etc/x' }, /exactly one of content or src/],
    [{ dest: '/etc/x', content: 'a', src: 'b' }, /exactly one of content or src/],
    [{ dest: '/etc/x', content: 'a', validate: 'visudo -c' }, /must contain %s/],
    [{ dest: 'etc/x', content: 'a' }, /absolute path/],
    [{ dest: '/etc/x', content: 'a', mode: 644 }, /quoted octal string/],
  ])('rejects %j', (raw, re) => {
    const r = copyOp.args.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });

  it('prepares inline content and role files into bytes + sha256', () => {
    const a = prepare({ dest: '/etc/x', content: 'hi\n' });
    expect(a).toMatchObject({ dest: '/etc/x', backup: false, follow: false, sha256: sha256Hex('hi\n') });
    expect(a.content.toString()).toBe('hi\n');
    const b = prepare({ dest: '/etc/x', src: 'nginx.conf' }, { 'nginx.conf': NGINX });
    expect(b.sha256).toBe(sha256Hex(NGINX));
    expect(b.src).toBe('nginx.conf');
  });
});

describe('copy probe/plan from recorded host output', () => {
  const cases: { name: string; fixture: string; args: unknown; diff?: boolean; changed: boolean; summary?: RegExp; diffText?: string; apply?: RegExp }[] = [
    { name: 'same content and attrs', fixture: 'same', args: { dest: '/etc/nginx/nginx.conf', content: NGINX, owner: 'www-data', mode: '640' }, changed: false },
    {
      name: 'same content, other mode',
      fixture: 'same',
      args: { dest: '/etc/nginx/nginx.conf', content: NGINX, mode: '0644' },
      changed: true,
      summary: /mode 0640 -> 0644/,
      apply: /^wpha_attrs \/etc\/nginx\/nginx.conf 0644 '' ''$/,
    },
    {
      name: 'content differs, with diff',
      fixture: 'differs-with-content',
      args: { dest: '/etc/nginx/nginx.conf', content: NGINX_NEW, backup: true },
      diff: true,
      changed: true,
      summary: /update \/etc\/nginx\/nginx.conf \(38 bytes -> 35 bytes\), keeping a backup/,
      diffText: '@@ -1,2 +1,2 @@\n user www-data;\n-worker_processes auto;\n+worker_processes 2;\n',
      apply: /^wpha_put "\$WPHA_STAGE"\/[0-9a-f]{64} \/etc\/nginx\/nginx.conf '' '' '' b '' '' ''$/,
    },
    { name: 'absent: create', fixture: 'absent', args: { dest: '/etc/nginx/new.conf', content: 'x\n' }, changed: true, summary: /create \/etc\/nginx\/new.conf \(2 bytes, mode 0644, root:root\)/ },
    { name: 'followed symlink, same content', fixture: 'symlink-followed', args: { dest: '/etc/nginx/link.conf', content: NGINX, follow: true }, changed: false },
    {
      name: 'followed symlink, new content names the real file',
      fixture: 'symlink-followed',
      args: { dest: '/etc/nginx/link.conf', content: NGINX_NEW, follow: true },
      changed: true,
      summary: /update \/etc\/nginx\/nginx.conf/,
      apply: / \/etc\/nginx\/link.conf '' '' '' L '' '' ''$/,
    },
  ];
  it.each(cases)('$name', (c) => {
    const a = prepare(c.args);
    const ctx = planContext({ diff: c.diff ?? false });
    const plan = copyOp.plan(a, copyOp.parse(fixture(c.fixture), a), ctx);
    expect(plan.changed).toBe(c.changed);
    if (!c.changed) expect(plan.apply).toBeUndefined();
    if (c.summary) expect(plan.summary.join('\n')).toMatch(c.summary);
    if (c.diffText) expect(plan.diff).toContain(c.diffText);
    if (c.apply) expect(plan.apply).toMatch(c.apply);
    if (plan.apply?.startsWith('wpha_put')) expect(plan.files).toEqual([{ sha256: a.sha256, content: a.content }]);
  });

  it.each([
    ['symlink', { dest: '/etc/nginx/link.conf', content: 'x' }, /is a symbolic link \(to "nginx.conf"\); set follow: true/],
    ['directory', { dest: '/etc/nginx', content: 'x' }, /exists and is not a regular file \(it is a directory\)/],
  ])('refuses a %s at dest', (fx, raw, re) => {
    const a = prepare(raw);
    expect(() => copyOp.plan(a, copyOp.parse(fixture(fx), a), planContext())).toThrow(re);
  });

  it('warns when the directory is missing (an earlier task may create it)', () => {
    const a = prepare({ dest: '/etc/missing/new.conf', content: 'x' });
    expect(copyOp.plan(a, copyOp.parse(fixture('no-parent'), a), planContext()).warnings?.[0]).toMatch(/does not exist yet/);
  });

  it('asks for old content only with --diff and not for sensitive files', () => {
    const a = prepare({ dest: '/etc/x', content: 'x' });
    expect(copyOp.probe(a, { diff: true })).toBe(`wpha_fstate /etc/x sd ${a.sha256} 262144`);
    expect(copyOp.probe(a, { diff: false })).toBe(`wpha_fstate /etc/x s ${a.sha256} 262144`);
    expect(copyOp.probe(prepare({ dest: '/etc/x', content: 'x', sensitive: true }), { diff: true })).toMatch(/^wpha_fstate \/etc\/x s /);
  });
});
