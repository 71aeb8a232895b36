/**
 * `vault rekey`: re-encrypt every envelope of one label under a folder (whole vault files,
 * `!vault` values in YAML, and the label's check file) with a new passphrase, a new salt and
 * optionally a higher scrypt cost. Everything is decrypted and re-encrypted in memory first and
 * each new file is checked by decrypting it again; only then are the files written, all or none
 * (commit.ts). Any envelope of the label that cannot be decrypted stops the rekey before writing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { decryptEnvelope, encryptEnvelope, envelopeLabel, newHeader, type KeyCache } from './cipher.js';
import { commitAll, realFs, type CommitFs, type FileChange } from './commit.js';
import { parseEnvelope, type EnvelopeHeader, type ScryptParams } from './envelope.js';
import { findCheckFile } from './labels.js';
import { scanVaultFiles, type VaultFileRef } from './scan.js';
import { findVaultScalars, replaceVaultScalars, type VaultScalar } from './yaml-values.js';

export interface RekeyOptions {
  root: string;
  label: string;
  oldPassphrase: string;
  newPassphrase: string;
  /** New scrypt cost; default: what the label's check file (or its first envelope) uses. */
  params?: ScryptParams;
  cache: KeyCache;
  fs?: CommitFs;
}

export interface RekeyResult {
  /** Files rewritten, in the order found. */
  files: string[];
  /** Envelopes re-encrypted. */
  envelopes: number;
}

export function rekey(opts: RekeyOptions): RekeyResult {
  const refs = filesToRekey(opts.root, opts.label);
  const problems: string[] = [];
  let header: EnvelopeHeader | undefined;
  const headerFor = (old: EnvelopeHeader) => (header ??= newHeader(opts.label, opts.params ?? old.params));
  const reencrypt = (envelope: string, where: string): string | undefined => {
    try {
      const { plaintext, header: old } = decryptEnvelope(envelope, opts.oldPassphrase, opts.cache);
      return encryptEnvelope(plaintext, opts.newPassphrase, headerFor(old), opts.cache);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
      return undefined;
    }
  };

  const changes: (FileChange & { text: string; count: number })[] = [];
  for (const ref of refs) {
    const text = readFileSync(ref.file, 'utf8');
    const shown = path.relative(opts.root, ref.file) || ref.file;
    if (ref.kind === 'whole') {
      if (labelOf(text) !== opts.label) continue;
      const next = reencrypt(text, shown);
      if (next !== undefined) changes.push({ file: ref.file, text: next, count: 1 });
      continue;
    }
    let scalars;
    try {
      scalars = findVaultScalars(text).filter((s) => labelOf(s.value) === opts.label);
    } catch (e) {
      problems.push(`${shown}: ${(e as Error).message}`);
      continue;
    }
    const replacements: { scalar: VaultScalar; envelope: string }[] = [];
    for (const scalar of scalars) {
      const envelope = reencrypt(scalar.value, `${shown}:${scalar.line}`);
      if (envelope !== undefined) replacements.push({ scalar, envelope });
    }
    if (replacements.length === 0 || replacements.length < scalars.length) continue;
    changes.push({ file: ref.file, text: replaceVaultScalars(text, replacements), count: replacements.length });
  }
  if (problems.length) throw new UserError(`Cannot rekey vault label "${opts.label}"; no file was changed:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  for (const c of changes) verifyRekeyed(c, opts);
  commitAll(changes, opts.fs ?? realFs);
  return { files: changes.map((c) => c.file), envelopes: changes.reduce((n, c) => n + c.count, 0) };
}

/** Vault files under root plus the label's check file (which may sit above root). */
function filesToRekey(root: string, label: string): VaultFileRef[] {
  const refs = scanVaultFiles(root);
  const check = findCheckFile(root, label);
  if (check && !refs.some((r) => path.resolve(r.file) === path.resolve(check))) refs.push({ file: check, kind: 'whole' });
  return refs;
}

/** The label of an envelope, or undefined for text that is not one (left alone; loading reports it). */
function labelOf(envelope: string): string | undefined {
  try {
    return envelopeLabel(envelope);
  } catch {
    return undefined;
  }
}

/** Decrypts the new text again with the new passphrase: a rekey must never write what it cannot read back. */
function verifyRekeyed(c: FileChange & { text: string; count: number }, opts: RekeyOptions): void {
  const envelopes = parseEnvelopeSafe(c.text)
    ? [c.text]
    : findVaultScalars(c.text)
        .map((s) => s.value)
        .filter((v) => labelOf(v) === opts.label);
  if (envelopes.length !== c.count) throw new UserError(`Internal check failed while rekeying ${c.file}: expected ${c.count} envelopes, found ${envelopes.length}; no file was changed`);
  for (const e of envelopes) decryptEnvelope(e, opts.newPassphrase, opts.cache);
}

function parseEnvelopeSafe(text: string): boolean {
  try {
    parseEnvelope(text);
    return true;
  } catch {
    return false;
  }
}
