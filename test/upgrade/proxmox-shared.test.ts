/**
 * Everything above the Proxmox client is the code the lab provider uses: `wpha machines create`
 * with a Proxmox provider, against recorded API pairs replayed on loopback, whose guest agent
 * "reports" the address of a real lab host and whose file-read returns that host's real host key.
 * The shared layer then waits for SSH, checks the key the host presents against the one the API
 * reported, pins it in the inventory's own known_hosts, and the machine joins its group: `wpha
 * run` reaches it with strict host-key checking. Destroying it stops and purges the VM through the
 * API and forgets the key. (No Proxmox cluster is reachable here: the API side is a replay.)
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { runWpha } from '../helpers/wpha-cli.js';
import { hostFiles } from '../../src/lab/host.js';
import { labConfig } from '../../src/lab/config.js';
import { replay, ANY, type Pair, type Replay } from '../../src/providers/proxmox/replay.js';
import { writeProviderInventory, readStateFile } from './inventory.js';

const fixtures = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src/providers/proxmox/fixtures');
const SECRET = '5f0c7a2e-1b3d-4e8f-9a6b-2c4d6e8f0a1b';
const env = process.env as Record<string, string>;

describe('a Proxmox machine through the shared layer (API replayed, SSH real)', () => {
  let lab: LabHosts;
  let api: Replay;
  let inv: string;
  let address: string;
  let hostKey: string;

  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'pve');
    address = lab.hosts[0]!.address;
    hostKey = readFileSync(`${hostFiles(labConfig(), lab.hosts[0]!.name).hostKey}.pub`, 'utf8').trim();
    const labKey = readFileSync(`${lab.key}.pub`, 'utf8').trim();
    // The recorded creation, with this lab host as the VM the agent reports, and the random name any.
    const text = readFileSync(path.join(fixtures, 'create.json'), 'utf8').replaceAll('10.0.0.101', address);
    const recorded = JSON.parse(text) as { pairs: Pair[]; hostKey: string; sshPublicKey: string };
    const pairs = recorded.pairs.filter((p) => !decodeURIComponent(p.request.path).includes('resize'));
    for (const p of pairs) {
      if (p.request.body?.name) p.request.body.name = ANY;
      if (p.request.body?.sshkeys)
        Object.assign(p.request.body, {
          sshkeys: encodeURIComponent(`${labKey}\n`),
          cores: '1',
          memory: '1024',
          ipconfig0: `ip=${address}/24`,
          description: 'Made by wpha for group web from debian12-2026-12',
        });
      if (p.request.body?.nameserver) delete p.request.body.nameserver;
      const data = (p.response.body as { data?: { content?: string } } | undefined)?.data;
      if (data?.content) data.content = `${hostKey}\n`;
    }
    const destroy = (JSON.parse(readFileSync(path.join(fixtures, 'destroy.json'), 'utf8')) as { pairs: Pair[] }).pairs.slice(0, 6);
    api = await replay([...pairs, ...destroy], `PVEAPIToken=wpha@pve!upgrade=${SECRET}`);
    inv = writeProviderInventory(
      lab,
      { groups: { web: {} } },
      { web: { machines: { provider: 'pve', image: 'debian12-2026-12' } } },
      {
        providers: { pve: { type: 'proxmox', url: api.url, node: 'pve1', token_id: 'wpha@pve!upgrade', token_secret: SECRET, storage: 'local-lvm', addresses: [address], prefix_length: 24 } },
        knownHosts: 'known_hosts',
      },
    );
    // The state's id is the one the recorded VMs are tagged with.
    writeFileSync(path.join(inv, 'wpha-state.json'), JSON.stringify({ version: 1, id: 'abcdef123456', machines: {} }));
  });
  afterAll(async () => {
    await api?.close();
    await lab?.release();
  });

  it('makes the machine, checks and pins its host key, reaches it strictly; destroys it and forgets the key', async () => {
    const made = await runWpha(['machines', 'create', '-i', inv, '--group', 'web', '--count', '1'], { env });
    expect(api.mismatches).toEqual([]);
    expect(made.code).toBe(0);
    const name = made.stdout.trim();
    expect(readStateFile(inv).machines[name]).toMatchObject({ group: 'web', provider: 'pve', provider_id: '105', image: 'debian12-2026-12', address, status: 'serving' });
    expect(made.stderr).toContain(`${name}: Proxmox VM 105 cloned from template 9000, running at ${address}`);
    // Pinned in the inventory's own known_hosts, by address and name: the key the API reported.
    expect(readFileSync(path.join(inv, 'known_hosts'), 'utf8')).toBe(`${address},${name} ${hostKey.split(' ').slice(0, 2).join(' ')}\n`);
    const run = await runWpha(['run', '-i', inv, '-l', name, 'cat /etc/hostname'], { env });
    expect(run.stdout).toBe(`${name} | rc=0\n${name} | ${lab.hosts[0]!.name}`);
    const gone = await runWpha(['machines', 'destroy', '-i', inv, name], { env });
    expect(api.mismatches).toEqual([]);
    expect(gone.code).toBe(0);
    expect(readStateFile(inv).machines).toEqual({});
    expect(readFileSync(path.join(inv, 'known_hosts'), 'utf8')).toBe('');
    expect(api.left()).toEqual([]);
    expect(existsSync(path.join(inv, 'wpha-state.lock'))).toBe(false);
  });
});
