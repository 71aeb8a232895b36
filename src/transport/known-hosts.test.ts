import { describe, it, expect } from 'vitest';
import { createHmac } from 'node:crypto';
import { KnownHosts, parseKnownHosts, fingerprint, hostLookupName, keyTypeOf } from './known-hosts.js';

function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}

const K1 = blob('ssh-ed25519', 'key-one');
const K2 = blob('ssh-ed25519', 'key-two');
const K3 = blob('ecdsa-sha2-nistp256', 'key-three');

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const TEXT = [
  '# comment',
  `10.0.0.1,web1 ssh-ed25519 ${K1.toString('base64')}`,
  `[10.0.0.2]:2222 ssh-ed25519 ${K2.toString('base64')}`,
  `${hashed('db1')} ecdsa-sha2-nistp256 ${K3.toString('base64')}`,
  `*.lab,!bad.lab ssh-ed25519 ${K2.toString('base64')}`,
  `@revoked * ssh-ed25519 ${blob('ssh-ed25519', 'stolen').toString('base64')}`,
  'garbage line',
].join('\n');

describe('known_hosts', () => {
  const kh = new KnownHosts('/x/known_hosts', TEXT);

  it('parses plain, hashed, port-qualified, wildcard and revoked entries', () => {
    const e = parseKnownHosts(TEXT);
    expect(e.map((x) => [x.patterns.join(','), Boolean(x.hashed), x.marker ?? '', x.line])).toEqual([
      ['10.0.0.1,web1', false, '', 2],
      ['[10.0.0.2]:2222', false, '', 3],
      ['', true, '', 4],
      ['*.lab,!bad.lab', false, '', 5],
      ['*', false, '@revoked', 6],
    ]);
  });

  it.each([
    ['match by address', ['10.0.0.1'], K1, 'match'],
    ['match by name', ['web1'], K1, 'match'],
    ['other port needs [host]:port', [hostLookupName('10.0.0.2', 2222)], K2, 'match'],
    ['port 22 entry does not cover 2222', [hostLookupName('10.0.0.1', 2222)], K1, 'unknown'],
    ['hashed entry', ['db1'], K3, 'match'],
    ['wildcard', ['cache.lab'], K2, 'match'],
    ['negated wildcard', ['bad.lab'], K2, 'unknown'],
    ['unknown host', ['10.9.9.9'], K1, 'unknown'],
    ['changed key', ['web1'], K2, 'mismatch'],
    ['key of another type on record is a mismatch', ['db1'], K1, 'mismatch'],
    ['revoked key', ['anything'], blob('ssh-ed25519', 'stolen'), 'revoked'],
  ])('%s', (_name, names, key, status) => {
    expect(kh.verify(names, key).status).toBe(status);
  });

  it('names both fingerprints and the file line on a mismatch', () => {
    const v = kh.verify(['web1'], K2);
    expect(v).toEqual({ status: 'mismatch', presented: fingerprint(K2), expected: [`ssh-ed25519 ${fingerprint(K1)}`], file: '/x/known_hosts', lines: [2] });
    expect(fingerprint(K1)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('reads the key type from a key blob, and prefers recorded types', () => {
    expect(keyTypeOf(K3)).toBe('ecdsa-sha2-nistp256');
    expect(kh.keyTypesFor(['db1'])).toEqual(['ecdsa-sha2-nistp256']);
  });
});

describe('known_hosts of a large fleet', () => {
  it('finds each host among thousands of plain entries, in file order, beside wildcard and negated ones', () => {
    const key = (i: number) => Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 4]), Buffer.from(String(i).padStart(4, '0'))]);
    const lines = Array.from({ length: 5000 }, (_, i) => `[127.0.0.1]:${20000 + i} ssh-ed25519 ${key(i).toString('base64')}`);
    lines.push(`*.example.test,!bad.example.test ssh-ed25519 ${key(9999).toString('base64')}`, `[127.0.0.1]:24999 ssh-ed25519 ${key(7777).toString('base64')}`);
    const kh = new KnownHosts('/nonexistent/known_hosts', `${lines.join('\n')}\n`);
    expect(kh.verify(['[127.0.0.1]:20042'], key(42))).toEqual({ status: 'match' });
    expect(kh.verify(['[127.0.0.1]:20042'], key(43))).toMatchObject({ status: 'mismatch', lines: [43] });
    // two lines for one host: both are on record, in file order
    expect(kh.verify(['[127.0.0.1]:24999'], key(1))).toMatchObject({ status: 'mismatch', lines: [5000, 5002] });
    expect(kh.verify(['[127.0.0.1]:24999'], key(7777))).toEqual({ status: 'match' });
    expect(kh.verify(['web.EXAMPLE.test'], key(9999))).toEqual({ status: 'match' });
    expect(kh.verify(['bad.example.test'], key(9999))).toEqual({ status: 'unknown' });
    expect(kh.keyTypesFor(['[127.0.0.1]:20001'])).toEqual(['ssh-ed25519']);
  });
});
