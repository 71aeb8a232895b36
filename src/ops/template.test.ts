import { describe, expect, it } from 'vitest';
import { sha256Hex } from './lib/index.js';
import templateOp from './template.js';
import type { PrepareContext } from './types.js';
import { LOCAL_FACTS, planContext } from '../engine/testing/run-local.js';

const ctxWith = (render: PrepareContext['renderTemplate']): PrepareContext => ({
  host: 'web1',
  facts: LOCAL_FACTS,
  vars: {},
  readRoleFile: () => Buffer.alloc(0),
  renderTemplate: render,
});

describe('template', () => {
  it('renders at prepare with the extra vars and hashes the result', () => {
    const calls: unknown[] = [];
    const a = templateOp.prepare!(
      templateOp.args.parse({ src: 'pool.conf.hbs', dest: '/etc/php/8.2/fpm/pool.d/www.conf', vars: { max: 12 } }),
      ctxWith((rel, extra) => {
        calls.push([rel, extra]);
        return `pm.max_children = ${String((extra as { max: number }).max)}\n`;
      }),
    );
    expect(calls).toEqual([['pool.conf.hbs', { max: 12 }]]);
    expect(a.content.toString()).toBe('pm.max_children = 12\n');
    expect(a.sha256).toBe(sha256Hex('pm.max_children = 12\n'));
    expect(a).not.toHaveProperty('vars');
  });

  it('plans a write when the host has other content and nothing when equal', () => {
    const a = templateOp.prepare!(
      templateOp.args.parse({ src: 't', dest: '/etc/x', mode: '0600' }),
      ctxWith(() => 'a=1\n'),
    );
    const host = (sha: string) => ({ stdout: `parent=1\nstat=regular file|600|0|0|root|root|4\nsha256=${sha}\n`, rc: 0 });
    expect(templateOp.plan(a, templateOp.parse(host(a.sha256), a), planContext()).changed).toBe(false);
    const p = templateOp.plan(a, templateOp.parse(host('0'.repeat(64)), a), planContext());
    expect(p.summary).toEqual(['update /etc/x (4 bytes -> 4 bytes)']);
    expect(p.apply).toContain(`wpha_put "$WPHA_STAGE"/${a.sha256} /etc/x 0600`);
  });

  it('rejects unknown keys and a missing src', () => {
    expect(templateOp.args.safeParse({ dest: '/etc/x' }).success).toBe(false);
    expect(templateOp.args.safeParse({ src: 'a', dest: '/etc/x', content: 'x' }).success).toBe(false);
  });
});
