/**
 * `vault edit`: the plaintext lives only in a private temp file (0600 in a 0700 folder, in
 * /dev/shm when there is one so it never reaches a disk) while $VISUAL / $EDITOR runs; the file
 * and its folder are removed afterwards, even when the editor or the encryption fails.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { quote } from '../shell/quote.js';

export interface EditEnv {
  env: NodeJS.ProcessEnv;
  /** Runs the editor command on the file; default: through the shell with the terminal attached. */
  runEditor?: (command: string, file: string) => Promise<number>;
  /** Where the private folder is made; default /dev/shm when writable, else the temp dir. */
  tempRoot?: string;
}

/** The editor command: $VISUAL, then $EDITOR, then vi. It may carry arguments ("code --wait"). */
export function editorCommand(env: NodeJS.ProcessEnv): string {
  return env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi';
}

async function defaultRunEditor(command: string, file: string): Promise<number> {
  const { execa } = await import('execa'); // only `vault edit` runs an editor
  const r = await execa(`${command} ${quote(file)}`, { shell: true, stdio: 'inherit', reject: false });
  return r.exitCode ?? 1;
}

function privateRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * Lets the user edit `plaintext`; returns the edited bytes, or undefined when nothing changed.
 * `name` only shapes the temp file's name (editors pick syntax highlighting from it).
 */
export async function editPlaintext(plaintext: Buffer, name: string, io: EditEnv): Promise<Buffer | undefined> {
  let dir: string;
  try {
    dir = mkdtempSync(path.join(io.tempRoot ?? privateRoot(), 'wpha-vault-edit-'));
  } catch {
    dir = mkdtempSync(path.join(tmpdir(), 'wpha-vault-edit-'));
  }
  // mkdtemp creates the folder 0700; the file is created 0600 before any byte is written.
  const file = path.join(dir, path.basename(name).replace(/\.vault(\.ya?ml)$/, '$1'));
  try {
    writeFileSync(file, plaintext, { mode: 0o600, flag: 'wx' });
    const code = await (io.runEditor ?? defaultRunEditor)(editorCommand(io.env), file);
    if (code !== 0) throw new UserError(`The editor "${editorCommand(io.env)}" exited with status ${code}; the vault file was not changed`);
    const edited = readFileSync(file);
    return edited.equals(plaintext) ? undefined : edited;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
