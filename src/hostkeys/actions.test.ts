import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, utils } from 'ssh2';
import type { HostSpec, Inventory } from '../model.js';
import { fingerprint } from '../transport/known-hosts.js';
import { hostkeysPin, hostkeysRotate, hostkeysScan, parsePublicKey, type HostkeysIO } from './actions.js';
import { fetchHostKeys, normalizeFingerprint, type PresentedKey } from './fetch.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wpha-hostkeys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pair = () => utils.generateKeyPairSync('ed25519');
const blobOf = (pub: string) => Buffer.from(pub.split(' ')[1]!, 'base64');

/** A local SSH server (ssh2) with two host keys; it accepts no login. */
let server: Server;
let port = 0;
const hostKeys = [pair(), utils.generateKeyPairSync('ecdsa', { bits: 256 })];
let sessions = 0;
beforeAll(async () => {
  server = new Server({ hostKeys: hostKeys.map((k) => k.private) }, (client) => {
    sessions++;
    client.on('authentication', (ctx) => ctx.reject());
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server?.close());

function inventory(knownHosts: string, hosts: Record<string, Partial<HostSpec>>): Inventory {
  const map = new Map<string, HostSpec>();
  for (const [name, h] of Object.entries(hosts)) {
    map.set(name, {
      name,
      address: '127.0.0.1',
      port,
      user: 'root',
      become: false,
      ssh: { knownHosts, connectTimeoutMs: 3000 },
      groups: ['all'],
      roles: [],
      vars: {},
      location: { file: 'inventory.yaml', line: 1, col: 1 },
      ...h,
    });
  }
  return { name: 't', dir, hosts: map, groups: new Map(), roles: new Map(), secretVars: new Set() };
}

function io(fetch?: HostkeysIO['fetch']) {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s), ...(fetch ? { fetch } : {}), lines: out, errors: err };
}

describe('wpha hostkeys', () => {
  it('fetches every key a server offers without logging in', async () => {
    const keys = await fetchHostKeys({ name: 'local', address: '127.0.0.1', port }, { timeoutMs: 3000 });
    expect(keys.map((k) => k.type).sort()).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(keys.find((k) => k.type === 'ssh-ed25519')!.fingerprint).toBe(fingerprint(blobOf(hostKeys[0]!.public)));
    await expect(fetchHostKeys({ name: 'closed', address: '127.0.0.1', port: 1 }, { timeoutMs: 2000 })).rejects.toThrow('Cannot fetch the host keys of "closed" (127.0.0.1:1)');
  });

  it('scan prints fingerprints, pins only with --pin, and reports a changed key', async () => {
    const kh = path.join(dir, 'scan_known_hosts');
    const inv = inventory(kh, { web1: {}, web2: { address: 'localhost' } });
    const first = io();
    expect(await hostkeysScan(inv, {}, first)).toBe(0);
    const edFp = fingerprint(blobOf(hostKeys[0]!.public));
    expect(first.lines).toContain(`web1 (127.0.0.1:${port}): ssh-ed25519 ${edFp} not pinned\n`);
    expect(first.errors.join('')).toContain('then run again with --pin');
    expect(() => readFileSync(kh)).toThrow();

    const pinned = io();
    expect(await hostkeysScan(inv, { limit: 'web1', pin: true }, pinned)).toBe(0);
    expect(pinned.lines.at(-1)).toBe(`Pinned 2 key(s) of 1 host(s) in ${kh}\n`);
    const again = io();
    expect(await hostkeysScan(inv, { limit: 'web1' }, again)).toBe(0);
    expect(again.lines).toContain(`web1 (127.0.0.1:${port}): ssh-ed25519 ${edFp} pinned\n`);

    // The host is rebuilt: it now presents other keys.
    const rebuilt: PresentedKey[] = [pair()].map((k) => ({ type: 'ssh-ed25519', key: blobOf(k.public), fingerprint: fingerprint(blobOf(k.public)) }));
    const changed = io(async () => rebuilt);
    expect(await hostkeysScan(inv, { limit: 'web1', pin: true }, changed)).toBe(1);
    expect(changed.lines.join('')).toContain(`ssh-ed25519 ${rebuilt[0]!.fingerprint} DIFFERS from known_hosts`);
    expect(changed.lines.join('')).toContain(`presents none of the recorded keys (ssh-ed25519 ${edFp}, ecdsa-sha2-nistp256`);
    expect(readFileSync(kh, 'utf8')).not.toContain(rebuilt[0]!.key.toString('base64'));
    expect(sessions).toBeGreaterThan(0);
  });

  it('rotate replaces the recorded keys only when the host presents the confirmed fingerprint', async () => {
    const kh = path.join(dir, 'rotate_known_hosts');
    const old = pair();
    const names = `[127.0.0.1]:${port},[web1]:${port}`;
    writeFileSync(kh, `# keep me\n${names} ${old.public.split(' ').slice(0, 2).join(' ')}\nother ssh-ed25519 ${blobOf(old.public).toString('base64')}\n`);
    const inv = inventory(kh, { web1: {} });
    const edFp = fingerprint(blobOf(hostKeys[0]!.public));
    const wrong = fingerprint(blobOf(pair().public));
    await expect(hostkeysRotate(inv, { host: 'web1', fingerprint: wrong }, io())).rejects.toThrow(`Host "web1" (127.0.0.1:${port}) does not present ${wrong}; it presents`);
    expect(readFileSync(kh, 'utf8')).toContain(blobOf(old.public).toString('base64'));
    const r = io();
    await hostkeysRotate(inv, { host: 'web1', fingerprint: edFp.replace('SHA256:', '') }, r);
    expect(r.lines.join('')).toBe(`web1: host key rotated in ${kh}: was ssh-ed25519 ${fingerprint(blobOf(old.public))}; now ssh-ed25519 ${edFp}\n`);
    const text = readFileSync(kh, 'utf8');
    expect(text).toBe(`# keep me\nother ssh-ed25519 ${blobOf(old.public).toString('base64')}\n${names} ssh-ed25519 ${blobOf(hostKeys[0]!.public).toString('base64')}\n`);
  });

  it('pin records a key given by hand and refuses to silently replace one', async () => {
    const kh = path.join(dir, 'pin_known_hosts');
    const inv = inventory(kh, { db1: { address: '192.0.2.31', port: 22 } });
    const k = pair();
    const pubFile = path.join(dir, 'db1.pub');
    writeFileSync(pubFile, `${k.public} root@db1\n`);
    const r = io();
    await hostkeysPin(inv, { host: 'db1', key: pubFile }, r);
    expect(readFileSync(kh, 'utf8')).toBe(`192.0.2.31,db1 ssh-ed25519 ${blobOf(k.public).toString('base64')}\n`);
    await hostkeysPin(inv, { host: 'db1', key: k.public }, r);
    expect(r.lines.at(-1)).toContain('is already pinned');
    await expect(hostkeysPin(inv, { host: 'db1', key: pair().public }, io())).rejects.toThrow('line 1 records another ssh-ed25519 key for "db1"');
    await expect(hostkeysPin(inv, { host: 'nope', key: k.public }, io())).rejects.toThrow('No host "nope" in inventory "t"');
    expect(() => parsePublicKey(`ssh-rsa ${blobOf(k.public).toString('base64')}`)).toThrow('The key says it is "ssh-rsa" but its data is a "ssh-ed25519" key');
    expect(normalizeFingerprint('abc=')).toBe('SHA256:abc');
  });
});
