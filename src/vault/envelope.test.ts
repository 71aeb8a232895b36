import { describe, it, expect } from 'vitest';
import { EnvelopeError, parseEnvelope, parseHeader } from './envelope.js';
import { looksLikeEnvelope } from '../yaml/vault-file.js';

const SALT = Buffer.alloc(16, 7).toString('base64');
const HEAD = `$WPHA_VAULT;1;AES256GCM;scrypt;N=131072;r=8;p=1;salt=${SALT};prod`;
const BODY = Buffer.alloc(8 + 12 + 5 + 16, 1).toString('base64');

const errorOf = (text: string): string => {
  try {
    parseEnvelope(text);
  } catch (e) {
    expect(e).toBeInstanceOf(EnvelopeError);
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
};

describe('vault envelope parsing', () => {
  it('parses header fields and splits the body', () => {
    const e = parseEnvelope(`${HEAD}\n${BODY}\n`);
    expect(e.header).toEqual({ params: { N: 131072, r: 8, p: 1 }, salt: Buffer.alloc(16, 7), label: 'prod' });
    expect(e.headerLine).toBe(HEAD);
    expect([e.keyCheck.length, e.nonce.length, e.ciphertext.length, e.tag.length]).toEqual([8, 12, 5, 16]);
  });

  it('recognises whole vault files by their first line', () => {
    expect(looksLikeEnvelope(`\n${HEAD}\n${BODY}`)).toBe(true);
    expect(looksLikeEnvelope('db_password: !vault |\n  $WPHA_VAULT;1')).toBe(false);
  });

  const cases: [string, string, string][] = [
    ['empty', '', 'empty value: expected a vault envelope'],
    ['not an envelope', 'hello: world\n', 'not a vault envelope: it must start with "$WPHA_VAULT;"'],
    ['a newer version', HEAD.replace(';1;', ';2;') + `\n${BODY}`, 'envelope version 2 is not supported (this wpha reads version 1; upgrade wpha)'],
    ['another cipher', HEAD.replace('AES256GCM', 'AES128CBC') + `\n${BODY}`, 'cipher "AES128CBC" is not supported (expected AES256GCM)'],
    ['another kdf', HEAD.replace('scrypt', 'pbkdf2') + `\n${BODY}`, 'key derivation "pbkdf2" is not supported (expected scrypt)'],
    ['N not a power of two', HEAD.replace('N=131072', 'N=100000') + `\n${BODY}`, 'scrypt parameters in the header are out of range: N must be a power of two from 2^14 to 2^20, found 100000'],
    [
      'N too large (memory bomb)',
      HEAD.replace('N=131072', 'N=1073741824') + `\n${BODY}`,
      'scrypt parameters in the header are out of range: N must be a power of two from 2^14 to 2^20, found 1073741824',
    ],
    ['p too large', HEAD.replace('p=1', 'p=99') + `\n${BODY}`, 'scrypt parameters in the header are out of range: p must be from 1 to 16, found 99'],
    ['short salt', HEAD.replace(SALT, 'AAAA') + `\n${BODY}`, 'salt must be 16 bytes, found 3'],
    ['bad label', HEAD.replace(';prod', ';Prod!') + `\n${BODY}`, 'label "Prod!" is invalid: a vault label is 1-40 lowercase letters, digits, "_" or "-", starting with a letter or digit'],
    [
      'missing field',
      `$WPHA_VAULT;1;AES256GCM;scrypt;N=131072;r=8;p=1;prod\n${BODY}`,
      'malformed header "$WPHA_VAULT;1;AES256GCM;scrypt;N=131072;r=8;p=1;prod": expected $WPHA_VAULT;1;AES256GCM;scrypt;N=...;r=...;p=...;salt=...;<label>',
    ],
    ['no body', `${HEAD}\n`, 'the envelope has a header but no body'],
    ['non-base64 body', `${HEAD}\n${BODY.slice(0, 10)}*${BODY.slice(11)}`, `body line 2 is not base64: "${BODY.slice(0, 10)}*${BODY.slice(11)}"`],
    ['truncated body', `${HEAD}\n${BODY.slice(0, 20)}`, 'the body is 15 bytes, shorter than the 36 bytes of an envelope (truncated?)'],
    ['lines out of order', `${HEAD}\nAAAA==\n${BODY}`, 'the body has padding ("=") before its end: lines are missing or out of order'],
  ];
  it.each(cases)('rejects %s with a clear message', (_name, text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('parseHeader alone checks the magic first', () => {
    expect(() => parseHeader('$ANSIBLE_VAULT;1.1;AES256')).toThrow('not a vault envelope');
  });
});
