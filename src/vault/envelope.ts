/**
 * The vault envelope: a text format that says what it is and diffs well.
 *
 *   $WPHA_VAULT;1;AES256GCM;scrypt;N=131072;r=8;p=1;salt=<base64>;<label>
 *   <base64 body, 76 characters a line>
 *
 * The header carries everything needed to derive the key again (so the cost can be raised
 * later without breaking old values) and is authenticated as additional data: changing any of
 * it makes decryption fail. The body is `keycheck(8) | nonce(12) | ciphertext | tag(16)`; the
 * key check tells a wrong passphrase apart from altered ciphertext.
 * Parsing is pure and strict; every problem is an EnvelopeError with a clear message.
 */
import { ENVELOPE_MAGIC } from '../yaml/vault-file.js';

export const ENVELOPE_VERSION = 1;
export const CIPHER_NAME = 'AES256GCM';
export const KDF_NAME = 'scrypt';

export const KEY_CHECK_BYTES = 8;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const SALT_BYTES = 16;

/** scrypt cost limits accepted when reading: below is too weak to be ours, above could exhaust memory. */
export const MIN_LOG2_N = 14;
export const MAX_LOG2_N = 20;

/** Labels select the passphrase (e.g. prod, lab); lowercase so env names map one to one. */
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const LABEL_RULE = 'a vault label is 1-40 lowercase letters, digits, "_" or "-", starting with a letter or digit';
export const DEFAULT_LABEL = 'default';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface EnvelopeHeader {
  params: ScryptParams;
  salt: Buffer;
  label: string;
}

export interface Envelope {
  header: EnvelopeHeader;
  /** The header line exactly as written: it is the additional authenticated data. */
  headerLine: string;
  keyCheck: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class EnvelopeError extends Error {}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEADER = /^\$WPHA_VAULT;(\d+);([A-Z0-9]+);([a-z0-9]+);N=(\d+);r=(\d+);p=(\d+);salt=([A-Za-z0-9+/]+={0,2});(.*)$/;

export function formatHeader(h: EnvelopeHeader): string {
  const { N, r, p } = h.params;
  return `${ENVELOPE_MAGIC};${ENVELOPE_VERSION};${CIPHER_NAME};${KDF_NAME};N=${N};r=${r};p=${p};salt=${h.salt.toString('base64')};${h.label}`;
}

export function formatEnvelope(e: Omit<Envelope, 'headerLine'>): string {
  const body = Buffer.concat([e.keyCheck, e.nonce, e.ciphertext, e.tag]).toString('base64');
  return `${formatHeader(e.header)}\n${body.replace(/.{1,76}/g, '$&\n')}`;
}

export function checkParams(params: ScryptParams): string | undefined {
  const log2 = Math.log2(params.N);
  if (!Number.isInteger(log2) || log2 < MIN_LOG2_N || log2 > MAX_LOG2_N) return `N must be a power of two from 2^${MIN_LOG2_N} to 2^${MAX_LOG2_N}, found ${params.N}`;
  if (params.r < 1 || params.r > 32) return `r must be from 1 to 32, found ${params.r}`;
  if (params.p < 1 || params.p > 16) return `p must be from 1 to 16, found ${params.p}`;
  return undefined;
}

export function parseHeader(line: string): EnvelopeHeader {
  if (!line.startsWith(`${ENVELOPE_MAGIC};`)) throw new EnvelopeError(`not a vault envelope: it must start with "${ENVELOPE_MAGIC};"`);
  const m = HEADER.exec(line);
  if (!m) throw new EnvelopeError(`malformed header "${short(line)}": expected ${ENVELOPE_MAGIC};1;${CIPHER_NAME};${KDF_NAME};N=...;r=...;p=...;salt=...;<label>`);
  const [, version, cipher, kdf, n, r, p, salt, label] = m as unknown as string[];
  if (Number(version) !== ENVELOPE_VERSION) throw new EnvelopeError(`envelope version ${version} is not supported (this wpha reads version ${ENVELOPE_VERSION}; upgrade wpha)`);
  if (cipher !== CIPHER_NAME) throw new EnvelopeError(`cipher "${cipher}" is not supported (expected ${CIPHER_NAME})`);
  if (kdf !== KDF_NAME) throw new EnvelopeError(`key derivation "${kdf}" is not supported (expected ${KDF_NAME})`);
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const bad = checkParams(params);
  if (bad) throw new EnvelopeError(`scrypt parameters in the header are out of range: ${bad}`);
  const saltBytes = Buffer.from(salt!, 'base64');
  if (saltBytes.length !== SALT_BYTES) throw new EnvelopeError(`salt must be ${SALT_BYTES} bytes, found ${saltBytes.length}`);
  if (!LABEL_PATTERN.test(label!)) throw new EnvelopeError(`label "${short(label!)}" is invalid: ${LABEL_RULE}`);
  return { params, salt: saltBytes, label: label! };
}

/** Parses envelope text (a whole file, or a `!vault` value). Indentation and blank lines are ignored. */
export function parseEnvelope(text: string): Envelope {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const headerLine = lines[0];
  if (headerLine === undefined) throw new EnvelopeError('empty value: expected a vault envelope');
  const header = parseHeader(headerLine);
  const bodyLines = lines.slice(1);
  if (bodyLines.length === 0) throw new EnvelopeError('the envelope has a header but no body');
  bodyLines.forEach((l, i) => {
    // Buffer.from silently skips foreign characters; a damaged body must be an error instead.
    if (!B64.test(l)) throw new EnvelopeError(`body line ${i + 2} is not base64: "${short(l)}"`);
  });
  const joined = bodyLines.join('');
  if (/=[^=]/.test(joined)) throw new EnvelopeError('the body has padding ("=") before its end: lines are missing or out of order');
  const body = Buffer.from(joined, 'base64');
  const min = KEY_CHECK_BYTES + NONCE_BYTES + TAG_BYTES;
  if (body.length < min) throw new EnvelopeError(`the body is ${body.length} bytes, shorter than the ${min} bytes of an envelope (truncated?)`);
  return {
    header,
    headerLine,
    keyCheck: body.subarray(0, KEY_CHECK_BYTES),
    nonce: body.subarray(KEY_CHECK_BYTES, KEY_CHECK_BYTES + NONCE_BYTES),
    ciphertext: body.subarray(KEY_CHECK_BYTES + NONCE_BYTES, body.length - TAG_BYTES),
    tag: body.subarray(body.length - TAG_BYTES),
  };
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
