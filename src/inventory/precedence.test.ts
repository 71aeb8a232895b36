import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { effectiveVars } from '../roles/vars.js';
import { loadInventory } from '../play/load.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'precedence');
const knownOps = new Set(['command']);

describe('var precedence: role defaults < all < parent group < group < host < extra vars', () => {
  it('resolves every level per host', async () => {
    const inv = await loadInventory({
      name: dir,
      cwd: dir,
      knownOps,
      extraVars: ['from_extra=cli', '@extra.yaml', 'port=8080', 'quoted="8080"'],
      env: {},
    });
    const vars = (host: string) => ({ ...effectiveVars(inv, inv.hosts.get(host)!) });
    const common = { from_default: 'default', from_all: 'all', from_extra: 'file', port: 8080, quoted: '8080' };
    // h1: all < parent < beta < alpha (siblings: alpha is declared later) < host_vars/h1.yaml < -e
    expect(inv.hosts.get('h1')!.groups).toEqual(['all', 'parent', 'beta', 'alpha']);
    expect(vars('h1')).toEqual({ ...common, from_parent: 'parent', from_group: 'alpha', from_host: 'host', sibling: 'alpha', settings: { b: 3 } });
    // h2: only in alpha (under parent); host vars inline.
    expect(inv.hosts.get('h2')!.groups).toEqual(['all', 'parent', 'alpha']);
    expect(vars('h2')).toEqual({ ...common, from_parent: 'parent', from_group: 'alpha', from_host: 'host', sibling: 'alpha', settings: { b: 3 } });
    // h3: only all-level values; the role default fills `sibling`; the all-level map is whole.
    expect(inv.hosts.get('h3')!.groups).toEqual(['all', 'other']);
    expect(vars('h3')).toEqual({ ...common, from_parent: 'all', from_group: 'all', from_host: 'all', sibling: 'default', settings: { a: 1, b: 2 } });
  });

  it('HostSpec.vars leaves role defaults out', async () => {
    const inv = await loadInventory({ name: dir, cwd: dir, knownOps, env: {} });
    const h3 = inv.hosts.get('h3')!;
    expect('from_default' in h3.vars).toBe(false);
    expect(h3.vars.from_extra).toBe('all');
  });

  it('a later -e wins over an earlier one, and empty means the empty string', async () => {
    const inv = await loadInventory({ name: dir, cwd: dir, knownOps, env: {}, extraVars: ['@extra.yaml', 'from_extra=second', 'quoted=', 'port=[80, 443]'] });
    const h1 = inv.hosts.get('h1')!.vars;
    expect([h1.from_extra, h1.quoted, h1.port]).toEqual(['second', '', [80, 443]]);
  });
});
