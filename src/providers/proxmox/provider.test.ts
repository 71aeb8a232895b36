import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxmoxProviderSpec } from '../../spec/machines.js';
import { PveClient } from './client.js';
import { ProxmoxProvider } from './provider.js';
import type { Clock } from './rate.js';
import { replay, type Pair, type Replay } from './replay.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const load = (f: string) => JSON.parse(readFileSync(path.join(fixtures, f), 'utf8')) as { pairs: Pair[]; sshPublicKey?: string; hostKey?: string };
const SECRET = '5f0c7a2e-1b3d-4e8f-9a6b-2c4d6e8f0a1b';
const AUTH = `PVEAPIToken=wpha@pve!upgrade=${SECRET}`;

/** A clock whose sleeps return at once and are recorded: polling and backoff cost no wall time. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
}

const spec = (url: string): ProxmoxProviderSpec => ({
  type: 'proxmox',
  url,
  node: 'pve1',
  token_id: 'wpha@pve!upgrade',
  token_secret: SECRET,
  storage: 'local-lvm',
  addresses: ['10.0.0.100-10.0.0.120'],
  prefix_length: 24,
  gateway: '10.0.0.1',
  nameservers: ['10.0.0.2', '10.0.0.3'],
});

let server: Replay | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Proxmox provider against recorded API pairs', () => {
  it('makes a machine: template by name, first free pool address, clone, cloud-init, resize, start, guest agent address, host key through the agent', async () => {
    const f = load('create.json');
    server = await replay(f.pairs, AUTH);
    const clock = fakeClock();
    const p = new ProxmoxProvider('pve', 'abcdef123456', spec(server.url), () => {}, clock);
    const m = await p.create({
      name: 'web-0b1c',
      group: 'web',
      image: 'debian12-2026-12',
      size: { cpus: 2, memoryMb: 2048, diskGb: 20 },
      sshPublicKey: f.sshPublicKey!,
      firstBoot: { hostname: 'web-0b1c', user: 'root' },
    });
    expect(server.mismatches).toEqual([]);
    expect(server.left()).toEqual([]);
    // 10.0.0.100 is VM 101's: the next address of the pool.
    expect(m).toEqual({ id: '105', name: 'web-0b1c', address: '10.0.0.101', image: 'debian12-2026-12', group: 'web', running: true, hostKeys: [f.hostKey] });
  });

  it('destroys a machine (stop, delete with purge and its disks); a gone one needs nothing; one not tagged for this inventory is refused', async () => {
    server = await replay(load('destroy.json').pairs, AUTH);
    const p = new ProxmoxProvider('pve', 'abcdef123456', spec(server.url), () => {}, fakeClock());
    await p.destroy('105');
    await p.destroy('105');
    // VM 50 ("mail") has no tag of this inventory's state: never touched.
    await expect(p.destroy('50')).rejects.toThrow('Refusing to destroy Proxmox VM 50: it is not tagged as a machine of this inventory');
    expect(server.mismatches).toEqual([]);
    expect(server.left()).toEqual([]);
  });

  it("lists only the machines tagged for this inventory's state, and templates as images", async () => {
    const create = load('create.json').pairs;
    server = await replay([create[0]!, create[0]!], AUTH);
    const p = new ProxmoxProvider('pve', 'abcdef123456', spec(server.url), () => {}, fakeClock());
    expect(await p.list()).toEqual([{ id: '101', name: 'web-aa01', running: true, group: 'web' }]);
    expect(await p.images()).toEqual([{ id: 'debian12-2026-12', description: 'template 9000' }]);
    expect(server.mismatches).toEqual([]);
  });

  it('retries what the API did not apply (503, 429 after Retry-After, a config lock timeout), not what it refused; a failed task names its exit status; the token secret is never in a message', async () => {
    server = await replay(load('retries.json').pairs, AUTH);
    const clock = fakeClock();
    const api = new PveClient({ url: server.url, tokenId: 'wpha@pve!upgrade', tokenSecret: SECRET, clock });
    expect(await api.get('/cluster/nextid')).toBe('106');
    expect(clock.slept).toEqual([500, 3000]);
    expect(await api.put('/nodes/pve1/qemu/106/config', { cores: 2 })).toBeNull();
    const errors: string[] = [];
    await api.post('/nodes/pve1/qemu/9000/clone', { newid: 106 }).catch((e: Error) => errors.push(e.message));
    await api.put('/nodes/pve1/qemu/106/config', { sshkeys: 'ssh-ed25519 AAAA' }).catch((e: Error) => errors.push(e.message));
    const p = new ProxmoxProvider('pve', 'abcdef123456', spec(server.url), () => {}, clock);
    await (p as unknown as { api: PveClient }).api
      .post<string>('/nodes/pve1/qemu/9000/clone', { newid: 107, name: 'web-9f9f', full: true, storage: 'local-lvm' })
      .then((upid) => (p as unknown as { api: PveClient }).api.waitTask('pve1', upid, 'clone template 9000 to VM 107'))
      .catch((e: Error) => errors.push(e.message));
    expect(errors).toEqual([
      "Proxmox API: POST /nodes/pve1/qemu/9000/clone failed (HTTP 500): unable to create VM 106 - VM 106 already exists on node 'pve2'",
      'Proxmox API: PUT /nodes/pve1/qemu/106/config failed (HTTP 400): Parameter verification failed.: sshkeys: invalid format - invalid urlencoded string: ssh-ed25519 AAAA',
      'Proxmox API: clone template 9000 to VM 107 failed: task UPID:pve1:00003A2B:0012C4D1:6931C2B0:qmclone:9000:wpha@pve!upgrade: ended with "clone failed: storage \'local-lvm\' does not exist"',
    ]);
    expect(errors.join('\n')).not.toContain(SECRET);
    expect(server.mismatches).toEqual([]);
    expect(server.left()).toEqual([]);
  });

  it('a request that never reached the API is retried; after the last try the error says why', async () => {
    const clock = fakeClock();
    const api = new PveClient({ url: 'http://127.0.0.1:1', tokenId: 'wpha@pve!upgrade', tokenSecret: SECRET, clock, attempts: 3 });
    await expect(api.get('/version')).rejects.toThrow(/^Proxmox API: GET \/version failed: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    expect(clock.slept).toEqual([500, 1000]);
  });
});
