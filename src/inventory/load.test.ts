import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../model.js';
import { testOps } from '../roles/fixtures/known-ops.js';
import { OPS } from '../ops/registry.js';
import { loadRoles } from '../roles/load.js';
import { loadInventory } from '../play/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, 'fixtures', 'valid');
const rolesDir = path.join(here, '..', 'roles', 'fixtures', 'roles');
const at = (file: string, line: number, col: number) => ({ file, line, col });
const inv = 'inventory.yaml';

describe('loadInventory (valid fixture)', () => {
  it('loads into the exact expected model', async () => {
    const loaded = await loadInventory({ name: dir, cwd: dir, knownOps: testOps, roleDirs: [rolesDir], env: {}, home: '/home/ops' });
    const roles = await loadRoles(['nginx'], { searchDirs: [rolesDir], knownOps: testOps, cwd: dir });
    const ssh = { keyFile: '/home/ops/.ssh/wpha_ed25519', knownHosts: path.join(dir, 'known_hosts'), proxyJump: 'admin@bastion.example.net:2222', connectTimeoutMs: 5000 };
    const expected: Inventory = {
      name: 'valid',
      dir,
      hosts: new Map([
        [
          'web1',
          {
            name: 'web1',
            address: '192.0.2.21',
            port: 22,
            user: 'deploy',
            become: true,
            ssh,
            groups: ['all', 'web'],
            roles: ['common', 'nginx'],
            vars: { timezone: 'Europe/Paris', admin_email: 'ops@example.net', redis_password: 'hunter22', nginx_worker_connections: 2048, tier: 'front' },
            location: at(inv, 9, 3),
          },
        ],
        [
          'web2',
          {
            name: 'web2',
            address: 'web2.example.net',
            port: 2222,
            user: 'root',
            become: false,
            ssh,
            groups: ['all', 'web'],
            roles: ['common', 'nginx'],
            vars: { timezone: 'Europe/Paris', admin_email: 'ops@example.net', redis_password: 'hunter22', nginx_worker_connections: 2048 },
            location: at(inv, 13, 3),
          },
        ],
        [
          'db1',
          {
            name: 'db1',
            address: '2001:db8::31',
            port: 22,
            user: 'deploy',
            become: false,
            ssh: { ...ssh, knownHosts: path.join(dir, 'keys', 'known_hosts') },
            groups: ['all', 'db'],
            roles: ['common'],
            vars: { timezone: 'Europe/Paris', admin_email: 'ops@example.net', innodb_buffer_pool_size: '1G' },
            location: at(inv, 17, 3),
          },
        ],
      ]),
      groups: new Map([
        ['all', { name: 'all', hosts: ['web1', 'web2', 'db1'], children: [], roles: ['common'], vars: { timezone: 'Europe/Paris', admin_email: 'ops@example.net' }, location: at(inv, 22, 3) }],
        ['web', { name: 'web', hosts: ['web1', 'web2'], children: [], roles: ['nginx'], vars: { redis_password: 'hunter22', nginx_worker_connections: 2048 }, location: at(inv, 26, 3) }],
        ['db', { name: 'db', hosts: ['db1'], children: [], roles: [], vars: {}, location: at(inv, 29, 3) }],
      ]),
      roles: new Map([
        ['common', roles.get('common')!],
        ['nginx', roles.get('nginx')!],
      ]),
      secretVars: new Set(['redis_password']),
    };
    expect(loaded).toEqual(expected);
    // Role files are named relative to cwd; here they live outside it, so their paths are absolute.
    expect(loaded.roles.get('nginx')!.tasks[0]!.location.file).toBe(path.join(rolesDir, 'nginx', 'role.yaml'));
  });

  it('builds var maps with a null prototype', async () => {
    const loaded = await loadInventory({ name: dir, cwd: dir, knownOps: testOps, roleDirs: [rolesDir], env: {} });
    expect(Object.getPrototypeOf(loaded.hosts.get('web1')!.vars)).toBeNull();
    expect(Object.getPrototypeOf(loaded.groups.get('web')!.vars)).toBeNull();
  });

  it('uses the lab SSH files for lab inventories', async () => {
    const loaded = await loadInventory({ name: 'lab', cwd: here, knownOps: OPS, env: { WPHA_LAB_DIR: '/srv/lab' } }); // shipped roles: the real ops
    const front1 = loaded.hosts.get('front1')!;
    expect(front1.ssh).toEqual({ keyFile: '/srv/lab/ssh/id_ed25519', knownHosts: '/srv/lab/ssh/known_hosts', connectTimeoutMs: 10000 });
    expect(loaded.lab).toEqual({ hosts: ['front1', 'front2', 'web1', 'web2', 'db1', 'db2'] });
  });

  it('loads the shipped prod-example inventory', async () => {
    const loaded = await loadInventory({ name: 'prod-example', cwd: here, knownOps: OPS, env: {} }); // shipped roles: the real ops
    expect([...loaded.groups.keys()]).toEqual(['all', 'front', 'web', 'db', 'redis', 'minio', 'monitoring', 'monitored']);
    const db1 = loaded.hosts.get('db1')!;
    expect([db1.user, db1.become, db1.port, db1.groups]).toEqual(['deploy', true, 22, ['all', 'db', 'redis', 'monitored']]);
    expect(db1.ssh).toEqual({ knownHosts: path.join(loaded.dir, 'known_hosts'), proxyJump: 'deploy@bastion.shop.example.com:22', connectTimeoutMs: 20000 });
    expect(loaded.hosts.get('web1')!.ssh.connectTimeoutMs).toBe(10000);
    expect(loaded.lab).toBeUndefined();
  });
});
