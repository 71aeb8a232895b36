import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError, formatIssue, type InputIssue } from '../errors.js';
import type { RoleSpec } from '../model.js';
import { testOpNames, testOps } from './fixtures/known-ops.js';
import { loadRole, loadRoles } from './load.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const rolesDir = path.join(fixtures, 'roles');
const opts = { searchDirs: [rolesDir], knownOps: testOps, cwd: fixtures };
const at = (file: string, line: number, col: number) => ({ file, line, col });

const common: RoleSpec = {
  name: 'common',
  dir: path.join(rolesDir, 'common'),
  description: 'base packages and the deploy users',
  depends: [],
  ports: [],
  variables: {
    deploy_users: { type: 'list', items: 'string', default: ['deploy'], required: false, secret: false, description: 'Unix users allowed to deploy', location: at('roles/common/role.yaml', 3, 3) },
    admin_email: { type: 'string', required: true, secret: false, description: 'where cron and certbot mail', location: at('roles/common/role.yaml', 8, 3) },
  },
  tasks: [
    {
      id: 'common/0',
      role: 'common',
      name: 'base packages',
      op: 'apt',
      args: { name: ['curl', 'ca-certificates'], state: 'present' },
      loopVar: 'item',
      notify: [],
      tags: ['packages'],
      runOnce: false,
      location: at('roles/common/role.yaml', 13, 5),
    },
    {
      id: 'common/1',
      role: 'common',
      name: 'deploy users',
      op: 'user',
      args: { name: '{{ item }}', shell: '/bin/bash' },
      loop: '{{ deploy_users }}',
      loopVar: 'item',
      notify: [],
      tags: [],
      runOnce: false,
      location: at('roles/common/role.yaml', 16, 5),
    },
  ],
  handlers: [
    {
      id: 'common/handlers/0',
      role: 'common',
      name: 'reload systemd',
      op: 'command',
      args: { cmd: 'systemctl daemon-reload' },
      loopVar: 'item',
      notify: [],
      tags: [],
      runOnce: false,
      listen: ['systemd changed'],
      location: at('roles/common/role.yaml', 21, 5),
    },
  ],
};

const nginxFile = 'roles/nginx/role.yaml';
const nginx: RoleSpec = {
  name: 'nginx',
  dir: path.join(rolesDir, 'nginx'),
  description: 'nginx with a fastcgi full-page cache',
  depends: ['common'],
  ports: [
    { port: 80, proto: 'tcp', from: 'world', description: 'http', location: at(nginxFile, 4, 5) },
    { port: 8080, proto: 'tcp', from: 'cluster', location: at(nginxFile, 5, 5) },
  ],
  variables: {
    nginx_worker_connections: { type: 'integer', default: 1024, required: false, secret: false, description: 'connections per worker', location: at(nginxFile, 7, 3) },
    nginx_enabled: { type: 'boolean', default: true, required: false, secret: false, description: 'serve sites', location: at(nginxFile, 8, 3) },
    site_name: { type: 'string', default: 'shop', required: false, secret: false, description: "the site's config name", location: at(nginxFile, 9, 3) },
    tier: { type: 'string', enum: ['web', 'front'], default: 'web', required: false, secret: false, description: 'which tier this host serves', location: at(nginxFile, 10, 3) },
    redis_password: { type: 'string', required: true, secret: true, description: 'password of the cache', location: at(nginxFile, 11, 3) },
  },
  tasks: [
    {
      id: 'nginx/0',
      role: 'nginx',
      name: 'install nginx',
      op: 'apt',
      args: { name: ['nginx'], state: 'present' },
      loopVar: 'item',
      notify: [],
      tags: ['packages'],
      runOnce: false,
      location: at(nginxFile, 13, 5),
    },
    {
      id: 'nginx/1',
      role: 'nginx',
      name: 'site',
      op: 'template',
      args: { src: 'site.conf.hbs', dest: '/etc/nginx/sites-available/{{ site_name }}.conf' },
      when: "facts.os.codename == 'bookworm' and nginx_enabled",
      loopVar: 'item',
      notify: ['reload nginx'],
      tags: [],
      runOnce: false,
      location: at(nginxFile, 16, 5),
    },
    {
      id: 'nginx/2',
      role: 'nginx',
      name: 'unit override',
      op: 'template',
      args: { src: 'override.conf.hbs', dest: '/etc/systemd/system/nginx.service.d/override.conf' },
      loopVar: 'item',
      notify: ['systemd changed', 'restart nginx'],
      tags: [],
      register: 'override',
      changedWhen: 'false',
      become: true,
      runOnce: true,
      delegateTo: 'web1',
      location: at(nginxFile, 20, 5),
    },
    { id: 'nginx/3', role: 'nginx', name: 'flush_handlers', op: 'flush_handlers', args: true, loopVar: 'item', notify: [], tags: [], runOnce: false, location: at(nginxFile, 28, 5) },
  ],
  handlers: [
    {
      id: 'nginx/handlers/0',
      role: 'nginx',
      name: 'reload nginx',
      op: 'service',
      args: { name: 'nginx', state: 'reloaded' },
      loopVar: 'item',
      notify: [],
      tags: [],
      runOnce: false,
      listen: [],
      location: at(nginxFile, 30, 5),
    },
    {
      id: 'nginx/handlers/1',
      role: 'nginx',
      name: 'restart nginx',
      op: 'service',
      args: { name: 'nginx', state: 'restarted' },
      loopVar: 'item',
      notify: [],
      tags: [],
      runOnce: false,
      listen: [],
      location: at(nginxFile, 32, 5),
    },
  ],
};

async function issuesOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof InputError) return err.issues.map(formatIssue);
    throw err;
  }
  return [];
}

describe('loadRoles', () => {
  it('loads two roles into the exact model, dependencies first', async () => {
    const roles = await loadRoles(['nginx'], opts);
    expect([...roles.keys()]).toEqual(['common', 'nginx']);
    expect(roles.get('common')).toEqual(common);
    expect(roles.get('nginx')).toEqual(nginx);
  });

  it('loadRole returns one role (its dependencies checked too)', async () => {
    expect(await loadRole('nginx', opts)).toEqual(nginx);
  });

  it('accepts a plain set of op names (argument schemas unknown)', async () => {
    const roles = await loadRoles(['nginx'], { ...opts, knownOps: testOpNames });
    expect(roles.get('nginx')?.tasks.map((t) => t.op)).toEqual(['apt', 'template', 'template', 'flush_handlers']);
  });

  it('reports the issues of the validateExpressions hook together with the others', async () => {
    const hook = (task: { when?: string; id: string; location: InputIssue['location'] }): InputIssue[] =>
      task.when !== undefined ? [{ location: task.location, path: [task.id, 'when'], message: `Hook rejects "${task.when}"` }] : [];
    const lines = await issuesOf(loadRoles(['nginx'], { ...opts, knownOps: new Set(['apt', 'template', 'command']), validateExpressions: hook }));
    expect(lines).toEqual([
      `roles/nginx/role.yaml:16:5: nginx/1.when: Hook rejects "facts.os.codename == 'bookworm' and nginx_enabled"`,
      'roles/nginx/role.yaml:31:5: handlers[0].service: Unknown operation or keyword "service"',
      'roles/nginx/role.yaml:33:5: handlers[1].service: Unknown operation or keyword "service"',
      'roles/common/role.yaml:17:5: tasks[1].user: Unknown operation or keyword "user"',
      'roles/nginx/role.yaml:18:13: tasks[1].notify: No handler "reload nginx" in role "nginx" or the roles it depends on',
      'roles/nginx/role.yaml:22:31: tasks[2].notify[1]: No handler "restart nginx" in role "nginx" or the roles it depends on',
    ]);
  });
});
