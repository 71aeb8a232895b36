import { describe, expect, it } from 'vitest';
import { expandPath, hostConnection, withLocalConnection } from './connection.js';
import type { HostSpec } from '../model.js';

const ctx = { invDir: '/inv/shop', lab: false, env: {}, home: '/home/ops' };

describe('hostConnection', () => {
  it('applies built-in defaults: root, port 22, no become, known_hosts in the inventory', () => {
    expect(hostConnection(undefined, { address: 'a' }, ctx)).toEqual({ user: 'root', port: 22, become: false, ssh: { knownHosts: '/inv/shop/known_hosts', connectTimeoutMs: 10000 } });
  });

  it('becomes by default for a non-root user, unless told otherwise', () => {
    expect(hostConnection({ user: 'deploy' }, { address: 'a' }, ctx).become).toBe(true);
    expect(hostConnection({ user: 'deploy', become: false }, { address: 'a' }, ctx).become).toBe(false);
    expect(hostConnection({ user: 'deploy' }, { address: 'a', user: 'root' }, ctx).become).toBe(false);
  });

  it('merges ssh settings per key, host over defaults', () => {
    const c = hostConnection({ ssh: { key: 'keys/id', proxy_jump: 'b.example', connect_timeout: 3 } }, { address: 'a', ssh: { connect_timeout: 1.5 } }, ctx);
    expect(c.ssh).toEqual({ keyFile: '/inv/shop/keys/id', knownHosts: '/inv/shop/known_hosts', proxyJump: 'b.example', connectTimeoutMs: 1500 });
  });

  it('defaults lab inventories to the lab key and known_hosts, overridable', () => {
    const lab = { ...ctx, lab: true, env: { WPHA_LAB_DIR: '/srv/lab' } };
    expect(hostConnection(undefined, { address: 'a' }, lab).ssh).toEqual({ keyFile: '/srv/lab/ssh/id_ed25519', knownHosts: '/srv/lab/ssh/known_hosts', connectTimeoutMs: 10000 });
    expect(hostConnection(undefined, { address: 'a' }, { ...lab, env: {} }).ssh.keyFile).toBe('/var/lib/wpha/lab/ssh/id_ed25519');
    expect(hostConnection({ ssh: { known_hosts: '~/kh' } }, { address: 'a' }, lab).ssh.knownHosts).toBe('/home/ops/kh');
  });
});

describe('connection: local', () => {
  it('runs as the user running wpha (the inventory user is for SSH logins), through sudo when not root', () => {
    expect(hostConnection({ user: 'deploy' }, { address: '127.0.0.1', connection: 'local' }, { ...ctx, localUser: 'root' })).toMatchObject({ user: 'root', become: false, connection: 'local' });
    expect(hostConnection(undefined, { address: '127.0.0.1', connection: 'local' }, { ...ctx, localUser: 'builder' })).toMatchObject({ user: 'builder', become: true, connection: 'local' });
    expect(hostConnection({ connection: 'local' }, { address: 'a', become: false }, { ...ctx, localUser: 'builder' })).toMatchObject({ user: 'builder', become: false, connection: 'local' });
  });

  it('a host says ssh over local defaults; no setting means SSH', () => {
    expect(hostConnection({ connection: 'local' }, { address: 'a', connection: 'ssh' }, ctx)).not.toHaveProperty('connection');
    expect(hostConnection(undefined, { address: 'a' }, ctx)).not.toHaveProperty('connection');
  });

  it('--connection local turns any host into a local one, as the user running wpha', () => {
    const h: HostSpec = {
      name: 'web1',
      address: '192.0.2.1',
      port: 2222,
      user: 'deploy',
      become: true,
      ssh: { knownHosts: '/kh', connectTimeoutMs: 1 },
      groups: ['all'],
      roles: [],
      vars: {},
      location: { file: 'inventory.yaml', line: 1, col: 1 },
    };
    expect(withLocalConnection(h, 'root')).toMatchObject({ name: 'web1', connection: 'local', user: 'root', become: false });
    expect(withLocalConnection(h, 'ops')).toMatchObject({ connection: 'local', user: 'ops', become: true });
  });
});

describe('expandPath', () => {
  it.each([
    ['~', '/home/ops'],
    ['~/.ssh/id', '/home/ops/.ssh/id'],
    ['keys/id', '/inv/shop/keys/id'],
    ['/abs/id', '/abs/id'],
    ['~other/id', '/inv/shop/~other/id'],
  ])('%s -> %s', (p, expected) => {
    expect(expandPath(p, ctx)).toBe(expected);
  });
});
