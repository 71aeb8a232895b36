/**
 * The vault as the inventory loader sees it: a `decryptTag` hook for `!vault` values and whole
 * vault files, which records every plaintext so the run's Redactor masks it, and the labels that
 * had no passphrase. The loader is synchronous in its hook, so a passphrase that must be asked
 * for is asked between two load attempts: load once with what files and environment give, ask
 * for the missing labels on the terminal, load again.
 */
import { InputError } from '../errors.js';
import { VAULT_FILE_TAG, type DecryptTag } from '../yaml/walk.js';
import { decodeText, decryptEnvelope, envelopeLabel, KeyCache } from './cipher.js';
import { missingPassphraseMessage, type Passphrases } from './passphrase.js';

export interface VaultDecryptor {
  decryptTag: DecryptTag;
  /** Plaintexts of `!vault` values decrypted so far (whole files: their vars are marked secret instead). */
  secrets: string[];
  /** Labels whose passphrase no source gave. */
  missing: Set<string>;
}

export function vaultDecryptor(passphrases: Passphrases, cache: KeyCache = new KeyCache()): VaultDecryptor {
  const secrets: string[] = [];
  const missing = new Set<string>();
  const decryptTag: DecryptTag = (tag, text) => {
    const label = envelopeLabel(text);
    const passphrase = passphrases.lookup(label);
    if (passphrase === undefined) {
      missing.add(label);
      throw new Error(missingPassphraseMessage(label));
    }
    const plaintext = decodeText(decryptEnvelope(text, passphrase, cache).plaintext, tag === VAULT_FILE_TAG ? 'the vault file' : 'the value');
    if (tag !== VAULT_FILE_TAG) secrets.push(plaintext);
    return plaintext;
  };
  return { decryptTag, secrets, missing };
}

/**
 * Runs `load` with a vault decryptor. When it fails only because some labels had no passphrase
 * and a terminal can ask for them, asks and loads again. Returns the loaded value and every
 * plaintext decrypted on the way.
 */
export async function loadWithVault<T>(load: (decryptTag: DecryptTag) => Promise<T>, passphrases: Passphrases): Promise<{ value: T; secrets: string[] }> {
  const cache = new KeyCache();
  const first = vaultDecryptor(passphrases, cache);
  try {
    return { value: await load(first.decryptTag), secrets: first.secrets };
  } catch (e) {
    if (!(e instanceof InputError) || first.missing.size === 0 || !passphrases.canPrompt) throw e;
  }
  for (const label of [...first.missing].sort()) await passphrases.get(label);
  const second = vaultDecryptor(passphrases, cache);
  return { value: await load(second.decryptTag), secrets: second.secrets };
}
