/**
 * The `wpha vault` subcommands as plain functions (testable without argv or a terminal): every
 * input and output goes through `VaultIO`. Files are always replaced atomically (commit.ts), and
 * a plaintext never touches the disk except where the user asked for it (`decrypt`) or in
 * `edit`'s private temp file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { VAR_NAME, VAR_NAME_RULE } from '../spec/names.js';
import { decodeText, decryptEnvelope, DEFAULT_PARAMS, encryptEnvelope, envelopeLabel, KeyCache, newHeader, VaultDecryptError } from './cipher.js';
import { commitAll, type CommitFs, type FileChange } from './commit.js';
import { editPlaintext, type EditEnv } from './edit.js';
import { DEFAULT_LABEL, LABEL_PATTERN, LABEL_RULE, type EnvelopeHeader, type ScryptParams } from './envelope.js';
import { looksLikeEnvelope } from '../yaml/vault-file.js';
import { headerForEncrypt, initLabel } from './labels.js';
import { checkNewPassphrase, Passphrases } from './passphrase.js';
import { rekey } from './rekey.js';
import { vaultSnippet } from './yaml-values.js';

export interface VaultIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  err: (s: string) => void;
  /** Hidden prompt on the terminal; absent without one. */
  prompt?: (question: string) => Promise<string>;
  /** All of standard input (used when it is not a terminal). */
  readStdin: () => Promise<string>;
  edit?: Omit<EditEnv, 'env'>;
  fs?: CommitFs;
}

export interface PassphraseFlags {
  vaultPasswordFile?: string[];
}

export function passphrasesFor(flags: PassphraseFlags, io: Pick<VaultIO, 'cwd' | 'env' | 'err' | 'prompt'>): Passphrases {
  return new Passphrases({ files: flags.vaultPasswordFile ?? [], env: io.env, cwd: io.cwd, ...(io.prompt ? { prompt: io.prompt } : {}), warn: (m) => io.err(`wpha: warning: ${m}\n`) });
}

function checkLabel(label: string): string {
  if (!LABEL_PATTERN.test(label)) throw new UserError(`Invalid vault label "${label}": ${LABEL_RULE}`);
  return label;
}

export function scryptParams(n: number | undefined): ScryptParams {
  if (n === undefined) return DEFAULT_PARAMS;
  const log2 = Math.log2(n);
  if (!Number.isInteger(log2) || log2 < 15 || log2 > 20) throw new UserError(`--scrypt-n must be a power of two from 32768 (2^15) to 1048576 (2^20), not "${n}"`);
  return { ...DEFAULT_PARAMS, N: n };
}

/** A new passphrase: from a file or env var when given, else typed twice on the terminal. */
async function newPassphrase(given: string | undefined, label: string, io: VaultIO): Promise<string> {
  let value = given;
  if (value === undefined) {
    if (!io.prompt) throw new UserError(`No new passphrase for vault label "${label}": give it in a file (see --help) or run on a terminal`);
    value = await io.prompt(`New vault passphrase for label "${label}": `);
    if ((await io.prompt('Repeat it: ')) !== value) throw new UserError('The two passphrases differ; nothing was changed');
  }
  const weak = checkNewPassphrase(value);
  if (weak) throw new UserError(`${weak}; nothing was changed`);
  return value;
}

function readFileFor(file: string, io: VaultIO, what: string): { abs: string; text: Buffer } {
  const abs = path.resolve(io.cwd, file);
  try {
    return { abs, text: readFileSync(abs) };
  } catch (e) {
    throw new UserError(`Cannot ${what} "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

async function decryptFile(file: string, text: string, p: Passphrases, cache: KeyCache): Promise<{ plaintext: Buffer; label: string; header: EnvelopeHeader }> {
  if (!looksLikeEnvelope(text)) throw new UserError(`"${file}" is not a vault file (its first line is not a $WPHA_VAULT header)`);
  try {
    const label = envelopeLabel(text);
    const { plaintext, header } = decryptEnvelope(text, await p.get(label), cache);
    return { plaintext, label, header };
  } catch (e) {
    if (e instanceof VaultDecryptError) throw new UserError(`Cannot decrypt "${file}": ${e.message}`);
    throw e;
  }
}

export async function vaultInit(o: PassphraseFlags & { label?: string; dir?: string; scryptN?: number }, io: VaultIO): Promise<void> {
  const label = checkLabel(o.label ?? DEFAULT_LABEL);
  const params = scryptParams(o.scryptN);
  // A passphrase from a file or the environment is taken as is; a typed one is asked twice.
  const given = new Passphrases({ files: o.vaultPasswordFile ?? [], env: io.env, cwd: io.cwd }).lookup(label);
  const passphrase = await newPassphrase(given, label, io);
  const file = initLabel(path.resolve(io.cwd, o.dir ?? '.'), label, passphrase, params, new KeyCache());
  io.out(
    `Initialised vault label "${label}" (scrypt N=${params.N}): ${path.relative(io.cwd, file) || file}\nCommit this file: it holds no secret, and lets wpha check the passphrase when encrypting with --label ${label}.\n`,
  );
}

export async function vaultEncrypt(o: PassphraseFlags & { files: string[]; label?: string }, io: VaultIO): Promise<void> {
  const label = checkLabel(o.label ?? DEFAULT_LABEL);
  const cache = new KeyCache();
  const passphrase = await passphrasesFor(o, io).get(label);
  const changes: FileChange[] = o.files.map((f) => {
    const { abs, text } = readFileFor(f, io, 'encrypt');
    if (looksLikeEnvelope(text.toString('utf8'))) throw new UserError(`"${f}" is already a vault file; nothing was changed`);
    const { header, checkFile } = headerForEncrypt(path.dirname(abs), label, passphrase, cache);
    if (!checkFile) io.err(`wpha: note: vault label "${label}" has no check file (run \`wpha vault init --label ${label}\`): the passphrase could not be verified\n`);
    return { file: abs, text: encryptEnvelope(text, passphrase, header, cache) };
  });
  commitAll(changes, io.fs);
  for (const f of o.files) io.out(`Encrypted ${f} (label "${label}")\n`);
}

export async function vaultDecrypt(o: PassphraseFlags & { files: string[]; output?: string }, io: VaultIO): Promise<void> {
  if (o.output !== undefined && o.files.length !== 1) throw new UserError('--output takes exactly one vault file');
  const p = passphrasesFor(o, io);
  const cache = new KeyCache();
  const changes: FileChange[] = [];
  for (const f of o.files) {
    const { abs, text } = readFileFor(f, io, 'decrypt');
    changes.push({ file: abs, text: (await decryptFile(f, text.toString('utf8'), p, cache)).plaintext });
  }
  if (o.output === '-') return io.out(changes[0]!.text.toString());
  if (o.output !== undefined) {
    const target = path.resolve(io.cwd, o.output);
    if (existsSync(target)) throw new UserError(`"${o.output}" exists; choose another --output or remove it first`);
    commitAll([{ file: target, text: changes[0]!.text }], io.fs);
  } else commitAll(changes, io.fs);
  for (const f of o.files) io.out(`Decrypted ${o.output ?? f} (now plaintext: do not commit it)\n`);
}

export async function vaultView(o: PassphraseFlags & { file: string }, io: VaultIO): Promise<void> {
  const { text } = readFileFor(o.file, io, 'view');
  const { plaintext } = await decryptFile(o.file, text.toString('utf8'), passphrasesFor(o, io), new KeyCache());
  io.out(decodeText(plaintext, `"${o.file}"`));
}

export async function vaultEdit(o: PassphraseFlags & { file: string; label?: string }, io: VaultIO): Promise<void> {
  const abs = path.resolve(io.cwd, o.file);
  const p = passphrasesFor(o, io);
  const cache = new KeyCache();
  let plaintext: Buffer = Buffer.alloc(0);
  let header: EnvelopeHeader;
  if (existsSync(abs)) {
    const old = await decryptFile(o.file, readFileSync(abs, 'utf8'), p, cache);
    if (o.label !== undefined && o.label !== old.label) throw new UserError(`"${o.file}" is encrypted with label "${old.label}", not "${o.label}" (use \`wpha vault rekey\` to change keys)`);
    plaintext = old.plaintext;
    header = newHeader(old.label, old.header.params, old.header.salt);
  } else {
    const label = checkLabel(o.label ?? DEFAULT_LABEL);
    header = headerForEncrypt(path.dirname(abs), label, await p.get(label), cache).header;
  }
  const passphrase = await p.get(header.label);
  const edited = await editPlaintext(plaintext, abs, { env: io.env, ...io.edit });
  if (edited === undefined) return io.out(`${o.file}: no change\n`);
  commitAll([{ file: abs, text: encryptEnvelope(edited, passphrase, header, cache) }], io.fs);
  io.out(`Saved ${o.file} (label "${header.label}")\n`);
}

export async function vaultRekey(o: PassphraseFlags & { dir?: string; label?: string; newVaultPasswordFile?: string; scryptN?: number }, io: VaultIO): Promise<void> {
  const label = checkLabel(o.label ?? DEFAULT_LABEL);
  const root = path.resolve(io.cwd, o.dir ?? '.');
  const oldPassphrase = await passphrasesFor(o, io).get(label, `Current vault passphrase for label "${label}": `);
  const fromFile = o.newVaultPasswordFile ? new Passphrases({ files: [o.newVaultPasswordFile], env: {}, cwd: io.cwd }).lookup(label) : undefined;
  const newPass = await newPassphrase(fromFile ?? (io.env.WPHA_VAULT_NEW_PASSWORD || undefined), label, io);
  const r = rekey({ root, label, oldPassphrase, newPassphrase: newPass, ...(o.scryptN ? { params: scryptParams(o.scryptN) } : {}), cache: new KeyCache(), ...(io.fs ? { fs: io.fs } : {}) });
  if (r.files.length === 0) return io.out(`No value or file of vault label "${label}" under ${o.dir ?? '.'}; nothing was changed\n`);
  io.out(`Rekeyed vault label "${label}": ${r.envelopes} envelope(s) in ${r.files.length} file(s)\n${r.files.map((f) => `  ${path.relative(io.cwd, f) || f}\n`).join('')}`);
}

export async function vaultEncryptString(o: PassphraseFlags & { name?: string; label?: string; keepNewline?: boolean }, io: VaultIO): Promise<void> {
  const label = checkLabel(o.label ?? DEFAULT_LABEL);
  if (o.name !== undefined && !VAR_NAME.test(o.name)) throw new UserError(`Invalid --name "${o.name}": ${VAR_NAME_RULE}`);
  let value: string;
  if (io.prompt) {
    value = await io.prompt('Value to encrypt: ');
    if ((await io.prompt('Repeat it: ')) !== value) throw new UserError('The two values differ');
  } else {
    value = await io.readStdin();
    if (!o.keepNewline) value = value.replace(/\r?\n$/, '');
  }
  if (value === '') throw new UserError('Nothing to encrypt: the value is empty (it is read from standard input, or asked on a terminal)');
  const cache = new KeyCache();
  const passphrase = await passphrasesFor(o, io).get(label);
  const { header } = headerForEncrypt(io.cwd, label, passphrase, cache);
  io.out(vaultSnippet(encryptEnvelope(value, passphrase, header, cache), o.name));
}
