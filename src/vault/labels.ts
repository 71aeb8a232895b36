/**
 * Vault labels (per-environment keys, e.g. prod and lab). `wpha vault init --label prod` writes
 * `.wpha-vault/prod.check`: an envelope of a known text, committed with the project. It holds no
 * secret, and gives every later encryption of that label
 *   - a check that the passphrase typed is the one the label was created with (a typo would
 *     otherwise encrypt values nobody can open), and
 *   - the label's salt and scrypt parameters, so that all values of a label share one derived
 *     key and a run derives it once.
 * The check file is found like .git: in the starting folder or the nearest parent that has one.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { decryptEnvelope, encryptEnvelope, newHeader, VaultDecryptError, type KeyCache } from './cipher.js';
import type { EnvelopeHeader, ScryptParams } from './envelope.js';

export const LABELS_DIR = '.wpha-vault';

export function checkText(label: string): string {
  return `wpha vault passphrase check for label "${label}"\n`;
}

export function checkFilePath(projectDir: string, label: string): string {
  return path.join(projectDir, LABELS_DIR, `${label}.check`);
}

/** The nearest `.wpha-vault/<label>.check` at or above `startDir`. */
export function findCheckFile(startDir: string, label: string): string | undefined {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = checkFilePath(dir, label);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Creates the label's check file in `projectDir`; refuses to replace one (that is what rekey is for). */
export function initLabel(projectDir: string, label: string, passphrase: string, params: ScryptParams, cache: KeyCache): string {
  const file = checkFilePath(projectDir, label);
  if (existsSync(file)) throw new UserError(`Vault label "${label}" is already initialised (${file}); use \`wpha vault rekey\` to change its passphrase`);
  const header = newHeader(label, params);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encryptEnvelope(checkText(label), passphrase, header, cache), { flag: 'wx', mode: 0o644 });
  return file;
}

/** Verifies `passphrase` against a check file; a clear error when it is not the label's passphrase. */
export function verifyCheckFile(file: string, label: string, passphrase: string, cache: KeyCache): EnvelopeHeader {
  const text = readFileSync(file, 'utf8');
  try {
    const { plaintext, header } = decryptEnvelope(text, passphrase, cache);
    if (header.label !== label || plaintext.toString('utf8') !== checkText(label)) throw new UserError(`${file} is not the check file of vault label "${label}"`);
    return header;
  } catch (e) {
    if (e instanceof VaultDecryptError && e.reason === 'wrong-passphrase') {
      throw new UserError(`The passphrase is not the one vault label "${label}" was initialised with (checked against ${file})`);
    }
    if (e instanceof VaultDecryptError) throw new UserError(`Cannot use ${file}: ${e.message}`);
    throw e;
  }
}

/**
 * The header new envelopes of `label` get: the label's recorded salt and parameters after the
 * passphrase is verified, or (for a label never initialised) a fresh salt with default cost.
 */
export function headerForEncrypt(startDir: string, label: string, passphrase: string, cache: KeyCache): { header: EnvelopeHeader; checkFile?: string } {
  const checkFile = findCheckFile(startDir, label);
  if (!checkFile) return { header: newHeader(label) };
  const header = verifyCheckFile(checkFile, label, passphrase, cache);
  return { header: newHeader(label, header.params, header.salt), checkFile };
}
