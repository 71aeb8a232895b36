/**
 * Encryption and decryption of vault envelopes: AES-256-GCM (authenticated) under a key derived
 * with scrypt (memory-hard) from a passphrase.
 *
 * Cost: measured on a 2-core lab controller, scrypt takes ~80 ms at N=2^15, ~200 ms at 2^16 and
 * ~350 ms at 2^17 (r=8, p=1). We pick 2^17 (128 MiB, the commonly recommended minimum for
 * passphrases): a label's values share the salt `vault init` records, and derived keys are cached
 * per (passphrase, salt, parameters), so a run pays it once per label, not once per value.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import {
  checkParams,
  EnvelopeError,
  formatEnvelope,
  formatHeader,
  KEY_CHECK_BYTES,
  LABEL_PATTERN,
  LABEL_RULE,
  NONCE_BYTES,
  parseEnvelope,
  SALT_BYTES,
  type EnvelopeHeader,
  type ScryptParams,
} from './envelope.js';

export const DEFAULT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
const KEY_BYTES = 32;

/** Why decryption failed, so callers can word their messages and tests can tell cases apart. */
export type DecryptFailure = 'wrong-passphrase' | 'tampered' | 'malformed';

export class VaultDecryptError extends Error {
  constructor(
    readonly reason: DecryptFailure,
    message: string,
  ) {
    super(message);
  }
}

interface DerivedKey {
  key: Buffer;
  check: Buffer;
}

/**
 * Derives keys, remembering them per (passphrase, salt, parameters). One cache lives for one
 * command or run; it holds key material, so it is never shared beyond that.
 */
export class KeyCache {
  private readonly keys = new Map<string, DerivedKey>();
  derivations = 0;

  derive(passphrase: string, header: Pick<EnvelopeHeader, 'salt' | 'params'>): DerivedKey {
    const { N, r, p } = header.params;
    const id = `${header.salt.toString('base64')};${N};${r};${p};${passphrase}`;
    const known = this.keys.get(id);
    if (known) return known;
    // 40 bytes: the AES key, then an 8-byte check value kept apart from the key itself.
    const out = scryptSync(passphrase.normalize('NFC'), header.salt, KEY_BYTES + KEY_CHECK_BYTES, { N, r, p, maxmem: 128 * N * r * p + 16 * 1024 * 1024 });
    const derived = { key: out.subarray(0, KEY_BYTES), check: out.subarray(KEY_BYTES) };
    this.derivations++;
    this.keys.set(id, derived);
    return derived;
  }
}

export function newHeader(label: string, params: ScryptParams = DEFAULT_PARAMS, salt: Buffer = randomBytes(SALT_BYTES)): EnvelopeHeader {
  if (!LABEL_PATTERN.test(label)) throw new EnvelopeError(`invalid label "${label}": ${LABEL_RULE}`);
  const bad = checkParams(params);
  if (bad) throw new EnvelopeError(`invalid scrypt parameters: ${bad}`);
  return { label, params, salt };
}

/** Encrypts `plaintext` under `header` (label, salt, parameters); a fresh nonce every time. */
export function encryptEnvelope(plaintext: Buffer | string, passphrase: string, header: EnvelopeHeader, cache: KeyCache): string {
  const { key, check } = cache.derive(passphrase, header);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(formatHeader(header), 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(plaintext)), cipher.final()]);
  return formatEnvelope({ header, keyCheck: check, nonce, ciphertext, tag: cipher.getAuthTag() });
}

/** The label an envelope names (to pick its passphrase) without decrypting it. */
export function envelopeLabel(text: string): string {
  try {
    return parseEnvelope(text).header.label;
  } catch (e) {
    throw new VaultDecryptError('malformed', `invalid vault envelope: ${(e as Error).message}`);
  }
}

/** Decrypts an envelope; never returns bytes that failed authentication. */
export function decryptEnvelope(text: string, passphrase: string, cache: KeyCache): { plaintext: Buffer; header: EnvelopeHeader } {
  let env;
  try {
    env = parseEnvelope(text);
  } catch (e) {
    throw new VaultDecryptError('malformed', `invalid vault envelope: ${(e as Error).message}`);
  }
  const label = env.header.label;
  const { key, check } = cache.derive(passphrase, env.header);
  if (!timingSafeEqual(check, env.keyCheck)) {
    throw new VaultDecryptError('wrong-passphrase', `wrong passphrase for vault label "${label}" (or the envelope header was altered)`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, env.nonce);
    decipher.setAAD(Buffer.from(env.headerLine, 'utf8'));
    decipher.setAuthTag(env.tag);
    const plaintext = Buffer.concat([decipher.update(env.ciphertext), decipher.final()]);
    return { plaintext, header: env.header };
  } catch {
    throw new VaultDecryptError('tampered', `the encrypted data (label "${label}") was altered or damaged: authentication failed, nothing was decrypted`);
  }
}

/** Plaintext as UTF-8 text (YAML values and files); bytes that are not UTF-8 are an error, not mojibake. */
export function decodeText(plaintext: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    throw new VaultDecryptError('malformed', `${what} decrypted to bytes that are not UTF-8 text`);
  }
}
