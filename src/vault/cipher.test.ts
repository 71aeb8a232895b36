import { describe, it, expect } from 'vitest';
import { decryptEnvelope, encryptEnvelope, KeyCache, newHeader, VaultDecryptError, type DecryptFailure } from './cipher.js';
import { parseEnvelope } from './envelope.js';

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const PASS = 'correct horse battery staple';

function failure(fn: () => unknown): { reason: DecryptFailure; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VaultDecryptError);
    return { reason: (e as VaultDecryptError).reason, message: (e as Error).message };
  }
  throw new Error('expected decryption to fail');
}

/** Flips one bit of the decoded body at `offset` (negative: from the end) and re-encodes it. */
function flipBodyByte(envelope: string, offset: number): string {
  const [header, ...body] = envelope.trim().split('\n');
  const bytes = Buffer.from(body.join(''), 'base64');
  const i = offset < 0 ? bytes.length + offset : offset;
  bytes[i] = bytes[i]! ^ 0x01;
  return `${header}\n${bytes.toString('base64').replace(/.{1,76}/g, '$&\n')}`;
}

describe('vault cipher', () => {
  const cache = new KeyCache();
  const header = newHeader('prod', FAST);
  const secret = 'db-pässword: s3cr3t\nsecond line\n';
  const env = encryptEnvelope(secret, PASS, header, cache);

  it('round-trips text and bytes, with a fresh nonce each time', () => {
    expect(decryptEnvelope(env, PASS, cache).plaintext.toString('utf8')).toBe(secret);
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    expect(decryptEnvelope(encryptEnvelope(bytes, PASS, header, cache), PASS, cache).plaintext.equals(bytes)).toBe(true);
    const again = encryptEnvelope(secret, PASS, header, cache);
    expect(again).not.toBe(env);
    expect(parseEnvelope(again).nonce.equals(parseEnvelope(env).nonce)).toBe(false);
    expect(decryptEnvelope(encryptEnvelope('', PASS, header, cache), PASS, cache).plaintext.length).toBe(0);
  });

  it('writes a header naming format, cipher, cost, salt and label, then base64 lines of 76', () => {
    const lines = env.trimEnd().split('\n');
    expect(lines[0]).toBe(`$WPHA_VAULT;1;AES256GCM;scrypt;N=16384;r=8;p=1;salt=${header.salt.toString('base64')};prod`);
    expect(lines.slice(1, -1).every((l) => l.length === 76)).toBe(true);
    expect(env.includes('s3cr3t')).toBe(false);
  });

  it('derives a key once per passphrase, salt and parameters', () => {
    const c = new KeyCache();
    for (let i = 0; i < 5; i++) decryptEnvelope(encryptEnvelope(`v${i}`, PASS, header, c), PASS, c);
    expect(c.derivations).toBe(1);
    decryptEnvelope(encryptEnvelope('x', PASS, newHeader('prod', FAST), c), PASS, c);
    expect(c.derivations).toBe(2);
  });

  it('says "wrong passphrase" for a wrong passphrase, and never returns data', () => {
    const f = failure(() => decryptEnvelope(env, 'not the passphrase', cache));
    expect(f).toEqual({ reason: 'wrong-passphrase', message: 'wrong passphrase for vault label "prod" (or the envelope header was altered)' });
  });

  const bodyCases: [string, number][] = [
    ['first ciphertext byte', 8 + 12],
    ['last ciphertext byte', -17],
    ['nonce', 8],
    ['authentication tag', -1],
  ];
  it.each(bodyCases)('detects a flipped bit in the %s as tampering', (_what, offset) => {
    const f = failure(() => decryptEnvelope(flipBodyByte(env, offset), PASS, cache));
    expect(f.reason).toBe('tampered');
    expect(f.message).toBe('the encrypted data (label "prod") was altered or damaged: authentication failed, nothing was decrypted');
  });

  it('detects a flipped key-check byte (reported as a wrong passphrase: the check no longer matches)', () => {
    expect(failure(() => decryptEnvelope(flipBodyByte(env, 0), PASS, cache)).reason).toBe('wrong-passphrase');
  });

  it('detects header changes: the header is authenticated or feeds the key', () => {
    const [head, ...body] = env.split('\n');
    const relabel = encryptEnvelope(secret, PASS, newHeader('lab', { ...FAST }, header.salt), cache).split('\n')[0];
    // Same salt and cost under another label: same key, so only the authenticated header catches it.
    expect(failure(() => decryptEnvelope([relabel, ...body].join('\n'), PASS, cache)).reason).toBe('tampered');
    // Another cost or salt: another key.
    const cheaper = head!.replace('N=16384', 'N=32768');
    expect(failure(() => decryptEnvelope([cheaper, ...body].join('\n'), PASS, cache)).reason).toBe('wrong-passphrase');
  });

  it('accepts the envelope indented (as a YAML block value) and with CRLF line ends', () => {
    const indented = env
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\r\n');
    expect(decryptEnvelope(indented, PASS, cache).plaintext.toString('utf8')).toBe(secret);
  });
});
