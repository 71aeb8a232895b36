import { describe, expect, it } from 'vitest';
import { formatHostsText, type HostView } from './show.js';

const view = (over: Partial<HostView>): HostView => ({
  name: 'web1',
  address: '10.0.0.21',
  port: 22,
  user: 'root',
  become: false,
  ssh: { knownHosts: '/kh', connectTimeoutMs: 10_000 },
  groups: ['all'],
  roles: [],
  vars: {},
  ...over,
});

describe('inventory show', () => {
  it('says how each host is reached: SSH user@address:port, or the local shell and as whom', () => {
    const text = formatHostsText([
      view({ ssh: { knownHosts: '/kh', connectTimeoutMs: 1, proxyJump: 'bastion' } }),
      view({ name: 'image', address: '127.0.0.1', user: 'builder', become: true, connection: 'local' }),
    ]);
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith(' '))).toEqual([
      'web1  root@10.0.0.21:22  become: no  via bastion',
      'image  local shell as builder (address 127.0.0.1)  become: yes',
    ]);
  });
});
