/**
 * Where vault passphrases come from, per label (most specific first):
 *   1. `--vault-password-file LABEL@FILE`
 *   2. env `WPHA_VAULT_PASSWORD_<LABEL>` (label upper-cased, "-" as "_")
 *   3. `--vault-password-file FILE` (any label)
 *   4. env `WPHA_VAULT_PASSWORD_FILE` (a file, any label)
 *   5. env `WPHA_VAULT_PASSWORD`
 *   6. a prompt, when standard input is a terminal
 * Files hold the passphrase on their first line; one trailing newline is not part of it.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { LABEL_PATTERN } from './envelope.js';

export interface PassphraseSourceOptions {
  /** `--vault-password-file` values (FILE or LABEL@FILE), relative to `cwd`. */
  files?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Asks for a hidden answer on the terminal; absent when there is no terminal. */
  prompt?: (question: string) => Promise<string>;
  /** Told about risky setups (a passphrase file others can read). */
  warn?: (message: string) => void;
}

export function labelEnvName(label: string): string {
  return `WPHA_VAULT_PASSWORD_${label.toUpperCase().replaceAll('-', '_')}`;
}

/** Splits `prod@/path/file` into label and file; a plain path has no label. */
export function parsePasswordFileArg(arg: string): { label?: string; file: string } {
  const at = arg.indexOf('@');
  if (at > 0) {
    const label = arg.slice(0, at);
    if (LABEL_PATTERN.test(label) && arg.length > at + 1) return { label, file: arg.slice(at + 1) };
  }
  return { file: arg };
}

export class Passphrases {
  private readonly known = new Map<string, string>();
  private readonly byLabel = new Map<string, string>();
  private readonly generic: string[] = [];
  private readonly env: NodeJS.ProcessEnv;
  private readonly cwd: string;

  constructor(private readonly opts: PassphraseSourceOptions = {}) {
    this.env = opts.env ?? process.env;
    this.cwd = opts.cwd ?? process.cwd();
    for (const arg of opts.files ?? []) {
      const { label, file } = parsePasswordFileArg(arg);
      if (label) this.byLabel.set(label, file);
      else this.generic.push(file);
    }
  }

  get canPrompt(): boolean {
    return this.opts.prompt !== undefined;
  }

  /** The passphrase of `label` from files and environment (or an earlier prompt); undefined when none is set. */
  lookup(label: string): string | undefined {
    const cached = this.known.get(label);
    if (cached !== undefined) return cached;
    const value = this.fromSources(label);
    if (value !== undefined) this.known.set(label, value);
    return value;
  }

  /** Like lookup, but asks on the terminal when nothing is set; an error naming every source otherwise. */
  async get(label: string, question = `Vault passphrase for label "${label}": `): Promise<string> {
    const value = this.lookup(label);
    if (value !== undefined) return value;
    if (!this.opts.prompt) throw new UserError(missingPassphraseMessage(label));
    const answer = await this.opts.prompt(question);
    if (answer === '') throw new UserError(`No passphrase given for vault label "${label}"`);
    this.known.set(label, answer);
    return answer;
  }

  private fromSources(label: string): string | undefined {
    const labelled = this.byLabel.get(label);
    if (labelled) return this.readFile(labelled, label);
    const fromEnv = this.env[labelEnvName(label)];
    if (fromEnv) return fromEnv;
    const generic = this.generic[0] ?? this.env.WPHA_VAULT_PASSWORD_FILE;
    if (generic) return this.readFile(generic, label);
    return this.env.WPHA_VAULT_PASSWORD || undefined;
  }

  private readFile(file: string, label: string): string {
    const abs = path.resolve(this.cwd, file);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
      if ((statSync(abs).mode & 0o077) !== 0) this.opts.warn?.(`Vault passphrase file "${file}" can be read by other users: chmod 600 it`);
    } catch (e) {
      throw new UserError(`Cannot read the vault passphrase file "${file}" (label "${label}"): ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}`);
    }
    const passphrase = text.split(/\r?\n/)[0] ?? '';
    if (passphrase === '') throw new UserError(`The vault passphrase file "${file}" is empty (label "${label}")`);
    return passphrase;
  }
}

export function missingPassphraseMessage(label: string): string {
  return `no passphrase for vault label "${label}": set ${labelEnvName(label)} or WPHA_VAULT_PASSWORD, pass --vault-password-file ${label}@FILE, or run on a terminal to be asked`;
}

/** Minimum strength of a NEW passphrase (init, rekey): long enough that scrypt's cost means something. */
export function checkNewPassphrase(passphrase: string): string | undefined {
  if (passphrase.length < 12) return 'a vault passphrase must be at least 12 characters long';
  return undefined;
}
