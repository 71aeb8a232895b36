import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { InputError, UserError } from '../../errors.js';
import { testOps } from '../../roles/fixtures/known-ops.js';
import { run } from '../main.js';
import { inventoryCheck, inventoryShow } from './inventory.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', '..', 'inventory', 'fixtures');
const secretFixture = path.join(fixtures, 'show');

describe('wpha inventory', () => {
  it('check prints the summary line for the lab inventory', async () => {
    expect(await inventoryCheck({ inventory: 'lab', cwd: here })).toBe('Inventory "lab" is valid: 6 hosts, 7 groups, 13 roles\n');
  });

  it('check throws every problem at once', async () => {
    const err = await inventoryCheck({ inventory: path.join(fixtures, 'bad', '28-bad-names-and-types'), cwd: here, knownOps: testOps }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues).toHaveLength(9);
  });

  it('show prints resolved hosts with role defaults, secrets masked everywhere', async () => {
    const text = await inventoryShow({ inventory: secretFixture, cwd: secretFixture, knownOps: testOps });
    expect(text).toBe(
      [
        'app1  deploy@192.0.2.5:22  become: yes',
        '  groups: all, app',
        '  roles:  app',
        '  vars:',
        '    api_token: ***',
        '    app_port: 8080',
        '    db_password: ***',
        '    greeting: "connect with ***"',
        '    listen: ["0.0.0.0"]',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('s3cr3t-pass');
  });

  it('show --json masks secrets and -e overrides', async () => {
    const json = JSON.parse(await inventoryShow({ inventory: secretFixture, cwd: secretFixture, knownOps: testOps, json: true, host: 'app1', extraVars: ['app_port=9090'] })) as {
      hosts: { name: string; vars: Record<string, unknown> }[];
    };
    expect(json.hosts.map((h) => h.name)).toEqual(['app1']);
    expect(json.hosts[0]!.vars).toEqual({ api_token: '***', app_port: 9090, db_password: '***', greeting: 'connect with ***', listen: ['0.0.0.0'] });
  });

  it('show --host names an unknown host with a hint', async () => {
    await expect(inventoryShow({ inventory: secretFixture, cwd: secretFixture, knownOps: testOps, host: 'app2' })).rejects.toThrow(
      new UserError('No host "app2" in inventory "show" (did you mean "app1"?)'),
    );
  });

  it('is wired into the CLI', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    try {
      expect(await run(['inventory', 'check', '-i', 'prod-example'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(out.join('')).toBe('Inventory "prod-example" is valid: 11 hosts, 7 groups, 14 roles\n');
  });
});
