import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../paths.js';
import { nextSteps, siteAddress, type ShownInventory } from './next-steps.js';

const host = (name: string, address: string, roles: string[], vars: Record<string, unknown> = {}) => ({ name, address, roles, vars });
const sites = [{ id: 'shop', domain: 'shop.lab', admin_user: 'admin' }];

describe('quickstart next steps', () => {
  it('the site behind the front VIP, with the Host header, the /etc/hosts line and the admin page', () => {
    const inv: ShownInventory = {
      inventory: 'lab',
      hosts: [host('front1', '10.0.0.11', ['haproxy', 'keepalived'], { keepalived_vips: ['10.0.0.10/24'] }), host('web1', '10.0.0.21', ['wordpress'], { wordpress_sites: sites })],
    };
    const text = nextSteps(inv);
    expect(text).toContain("curl -H 'Host: shop.lab' http://10.0.0.10/");
    expect(text).toContain('\n  10.0.0.10 shop.lab\n');
    expect(text).toContain('admin: http://shop.lab/wp-admin/ as "admin" (password: wordpress_admin_passwords.shop in inventories/lab/)');
    expect(text).toContain('bin/wpha apply -i lab                 # again: 0 changed');
    expect(text).toContain('bin/wpha lab ssh web1');
  });

  it('without a VIP: the front host, else the web host', () => {
    expect(siteAddress({ inventory: 'x', hosts: [host('f', '10.0.0.1', ['haproxy']), host('w', '10.0.0.2', ['wordpress'])] })).toBe('10.0.0.1');
    expect(siteAddress({ inventory: 'x', hosts: [host('w', '10.0.0.2', ['wordpress'])] })).toBe('10.0.0.2');
    expect(nextSteps({ inventory: 'x', hosts: [] })).not.toContain('The site');
  });

  it('reads the shipped lab inventory: its front VIP and its site', () => {
    const root = projectRoot();
    const json = execFileSync('node', [path.join(root, 'bin/wpha'), 'inventory', 'show', '-i', 'lab', '--json'], { cwd: root, encoding: 'utf8' });
    const text = nextSteps(JSON.parse(json) as ShownInventory);
    expect(text).toContain("curl -H 'Host: shop.lab' http://172.31.250.10/");
    expect(text).toContain('\n  172.31.250.10 shop.lab\n');
  });
});
