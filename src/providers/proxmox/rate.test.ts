import { describe, expect, it } from 'vitest';
import { backoffMs, retryable, TokenBucket, type Clock } from './rate.js';
import { addressOf, agentAddresses, encodeSshKeys, freeAddress } from './cloud-init.js';

describe('pacing and retries', () => {
  it('the token bucket lets a burst through, then one request per 1/rate seconds', async () => {
    let now = 0;
    const waits: number[] = [];
    const clock: Clock = { now: () => now, sleep: async (ms) => void (waits.push(ms), (now += ms)) };
    const b = new TokenBucket(5, clock);
    for (let i = 0; i < 7; i++) await b.take();
    expect(waits).toEqual([200, 200]);
    expect(now).toBe(400);
  });

  it('retries only what cannot be applied twice', () => {
    const a = (status: number, message = '', maybeApplied = true) => ({ status, message, maybeApplied });
    expect(retryable(a(503), false)).toBe(true);
    expect(retryable(a(429), false)).toBe(true);
    expect(retryable(a(500, "can't lock file '/var/lock/qemu-server/lock-105.conf' - got timeout"), false)).toBe(true);
    expect(retryable(a(500, 'VM 105 already exists'), false)).toBe(false);
    expect(retryable(a(502), true)).toBe(true);
    expect(retryable(a(502), false)).toBe(false);
    expect(retryable(a(0, 'ECONNRESET', true), false)).toBe(false);
    expect(retryable(a(0, 'ECONNREFUSED', false), false)).toBe(true);
    expect(retryable(a(400), true)).toBe(false);
    expect([1, 2, 3, 8].map((n) => backoffMs(n, a(503)))).toEqual([500, 1000, 2000, 30000]);
    expect(backoffMs(1, { ...a(429), retryAfter: 7 })).toBe(7000);
  });
});

describe('cloud-init values', () => {
  it('sshkeys is URL-encoded before the form encoding (spaces, "+", "/", "@", newline)', () => {
    expect(encodeSshKeys('ssh-ed25519 AAAA+b/c= ops@laptop')).toBe('ssh-ed25519%20AAAA%2Bb%2Fc%3D%20ops%40laptop%0A');
  });

  it('addresses: ipconfig0, the pool, the guest agent', () => {
    expect(addressOf('ip=10.0.0.5/24,gw=10.0.0.1')).toBe('10.0.0.5');
    expect(addressOf('ip=dhcp')).toBeUndefined();
    expect(freeAddress(['10.0.0.5', '10.0.0.8-10.0.0.10'], new Set(['10.0.0.5', '10.0.0.8']))).toBe('10.0.0.9');
    expect(freeAddress(['10.0.0.255-10.0.1.1'], new Set(['10.0.0.255']))).toBe('10.0.1.0');
    expect(freeAddress(['10.0.0.5'], new Set(['10.0.0.5']))).toBeUndefined();
    expect(
      agentAddresses([
        { name: 'lo', 'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4' }] },
        {
          name: 'ens18',
          'ip-addresses': [
            { 'ip-address': '10.0.0.9', 'ip-address-type': 'ipv4' },
            { 'ip-address': 'fe80::1', 'ip-address-type': 'ipv6' },
          ],
        },
      ]),
    ).toEqual(['10.0.0.9']);
    expect(agentAddresses(undefined)).toEqual([]);
  });
});
