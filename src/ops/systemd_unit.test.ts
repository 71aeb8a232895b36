import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUnitState, splitSections } from './lib/index.js';
import systemdUnitOp from './systemd_unit.js';
import type { PrepareContext } from './types.js';
import { LOCAL_FACTS, planContext } from '../engine/testing/run-local.js';

// Fixtures follow `systemctl show -p LoadState -p ActiveState -p UnitFileState` on Debian 12
// (systemd 252); a host without a running systemd prints nothing and exits 1.
const fixture = (name: string) => ({ stdout: readFileSync(new URL(`./fixtures/systemd_unit/${name}.txt`, import.meta.url), 'utf8'), rc: 0 });
const UNIT = '[Unit]\nDescription=Warm the page cache\n\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/warm\n\n[Install]\nWantedBy=multi-user.target\n';
const pctx: PrepareContext = {
  host: 'web1',
  facts: LOCAL_FACTS,
  vars: {},
  readRoleFile: () => Buffer.alloc(0),
  renderTemplate: (rel, extra) => `rendered ${rel} ${JSON.stringify(extra)}`,
};
const prepare = (raw: Record<string, unknown>) => systemdUnitOp.prepare!(systemdUnitOp.args.parse({ name: 'cache-warmer.service', ...raw }), pctx);
function plan(raw: Record<string, unknown>, fx: string, diff = false) {
  const a = prepare(raw);
  return systemdUnitOp.plan(a, systemdUnitOp.parse(fixture(fx), a), planContext({ diff }));
}

describe('systemd_unit args', () => {
  it.each([
    [{ name: 'warmer', content: 'x' }, /unit file name/],
    [{ name: 'a b.service', content: 'x' }, /unit file name/],
    [{ name: '../x.service', content: 'x' }, /unit file name/],
    [{ name: 'x.service' }, /exactly one of content or src/],
    [{ name: 'x.service', content: 'x', vars: { a: 1 } }, /only apply to a template/],
    [{ name: 'x.service', content: 'x', state: 'restarted' }, /Invalid option|expected one of/i],
  ])('rejects %j', (raw, re) => {
    const r = systemdUnitOp.args.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toMatch(re);
  });
  it('accepts template instances and renders src with vars', () => {
    const a = systemdUnitOp.prepare!(systemdUnitOp.args.parse({ name: 'php@8.2.service', src: 'php.hbs', vars: { v: 1 } }), pctx);
    expect(a.path).toBe('/etc/systemd/system/php@8.2.service');
    expect(a.content.toString()).toBe('rendered php.hbs {"v":1}');
  });
});

describe('systemd_unit plan', () => {
  it('new unit: write, daemon-reload, enable, start, in that order', () => {
    const p = plan({ content: UNIT, enabled: true, state: 'started' }, 'new-unit');
    expect(p.summary).toEqual([
      'create /etc/systemd/system/cache-warmer.service (131 bytes, mode 0644, root:root)',
      'systemctl daemon-reload',
      'enable cache-warmer.service',
      'start cache-warmer.service',
    ]);
    const lines = p.apply!.split('\n');
    expect(lines[0]).toMatch(/^wpha_put "\$WPHA_STAGE"\/[0-9a-f]{64} \/etc\/systemd\/system\/cache-warmer.service 0644 root root /);
    expect(lines[0]).toMatch(/ \|\| exit \$\?$/);
    expect(lines.slice(1)).toEqual(['systemctl daemon-reload || exit $?', 'systemctl enable -- cache-warmer.service || exit $?', 'systemctl start -- cache-warmer.service || exit $?']);
  });

  it('converged: nothing to do', () => {
    expect(plan({ content: UNIT, enabled: true, state: 'started' }, 'converged')).toEqual({ changed: false, summary: [] });
  });

  it('same file, unit disabled and stopped: enable + start without reload', () => {
    const p = plan({ content: UNIT, enabled: true, state: 'started' }, 'same-file-disabled');
    expect(p.summary).toEqual(['enable cache-warmer.service', 'start cache-warmer.service']);
    expect(p.files).toBeUndefined();
  });

  it('changed content: reload but do not restart a running unit; diff shown', () => {
    const p = plan({ content: UNIT, enabled: true, state: 'started' }, 'old-content', true);
    expect(p.summary).toEqual(['update /etc/systemd/system/cache-warmer.service (20 bytes -> 131 bytes)', 'systemctl daemon-reload']);
    expect(p.diff).toContain('-ExecStart=/x\n');
  });

  it('stop and disable', () => {
    const p = plan({ content: UNIT, enabled: false, state: 'stopped' }, 'converged');
    expect(p.apply).toBe('systemctl disable -- cache-warmer.service || exit $?\nsystemctl stop -- cache-warmer.service || exit $?');
  });

  it('file only: no systemctl probe', () => {
    const a = prepare({ content: UNIT });
    expect(systemdUnitOp.probe(a, { diff: false })).not.toContain('systemctl');
    expect(plan({ content: UNIT }, 'converged').changed).toBe(false);
  });

  it('refuses to enable a unit without [Install], and a host without systemd', () => {
    expect(() => plan({ content: '[Service]\nExecStart=/x\n', enabled: true }, 'new-unit')).toThrow(/no \[Install\] section/);
    expect(() => plan({ content: UNIT, state: 'started' }, 'no-systemd')).toThrow(/is systemd running/);
  });

  it('declares the file and the unit as resources', () => {
    expect(systemdUnitOp.resources(prepare({ content: UNIT }))).toEqual(['/etc/systemd/system/cache-warmer.service', 'unit:cache-warmer.service']);
  });
});

describe('section helpers', () => {
  it('splits probe output by section markers', () => {
    const m = splitSections('a=1\n@@wpha-section=unit\nb=2\n@@wpha-section=x\n');
    expect([...m.entries()]).toEqual([
      ['', 'a=1'],
      ['unit', 'b=2'],
      ['x', ''],
    ]);
  });
  it('reads systemctl show output', () => {
    expect(parseUnitState('ActiveState=failed\nLoadState=loaded\nUnitFileState=static\nunit_rc=0\n')).toEqual({ known: true, activeState: 'failed', loadState: 'loaded', unitFileState: 'static' });
    expect(parseUnitState('unit_rc=1\n')).toEqual({ known: false });
  });
});
