/** `wpha vault ...`: encrypted secrets in the repository (whole files, or single YAML values). */
import type { Command } from 'commander';
import { vaultDecrypt, vaultEdit, vaultEncrypt, vaultEncryptString, vaultInit, vaultRekey, vaultView, type VaultIO } from '../../vault/actions.js';
import { addVaultPasswordOption, positiveInt } from '../options.js';
import { promptHidden } from '../prompt.js';

function processIO(): VaultIO {
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    ...(process.stdin.isTTY ? { prompt: promptHidden } : {}),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

const PASSPHRASES = `
Passphrases, per label (the most specific source wins):
  --vault-password-file LABEL@FILE     e.g. prod@~/.config/wpha/prod.pass
  WPHA_VAULT_PASSWORD_<LABEL>          e.g. WPHA_VAULT_PASSWORD_PROD
  --vault-password-file FILE           any label
  WPHA_VAULT_PASSWORD_FILE, WPHA_VAULT_PASSWORD
  otherwise asked on the terminal.`;

// No commander default: `edit` must tell "no --label given" from "--label default".
const labelOpt = (cmd: Command, what: string) => cmd.option('--label <label>', `vault label (per-environment key, e.g. prod or lab) ${what} (default: "default")`);
const scryptOpt = (cmd: Command) => cmd.option('--scrypt-n <N>', 'scrypt cost N (power of two, 32768..1048576; default 131072 = 128 MiB)', (v) => positiveInt(v, '--scrypt-n'));

export function register(program: Command): void {
  const vault = program
    .command('vault')
    .description('Encrypt secrets stored in the repository: whole files or single YAML values (AES-256-GCM, scrypt-derived keys)')
    .addHelpText(
      'after',
      `
Examples:
  wpha vault init --label prod                          # once per environment; commit .wpha-vault/prod.check
  wpha vault encrypt --label prod inventories/prod/group_vars/all.vault.yaml
  printf %s "$DB_PASSWORD" | wpha vault encrypt-string --label prod --name db_password >> inventories/prod/group_vars/db.yaml
  wpha vault edit inventories/prod/group_vars/all.vault.yaml
  wpha vault rekey --label prod                         # new passphrase for every prod value under .
${PASSPHRASES}`,
    );

  addVaultPasswordOption(
    labelOpt(scryptOpt(vault.command('init').description('Create a vault label: records its salt and cost and a check of its passphrase in .wpha-vault/<label>.check')), 'to create'),
  )
    .option('--dir <dir>', 'project folder to create .wpha-vault/ in', '.')
    .addHelpText(
      'after',
      `
The check file holds no secret. Later encryptions with this label verify the passphrase against
it (a typo cannot create values nobody can open) and share its salt, so a run derives each
label's key once.${PASSPHRASES}`,
    )
    .action(async (o) => vaultInit(o, processIO()));

  addVaultPasswordOption(labelOpt(vault.command('encrypt').description('Encrypt whole files in place (e.g. group_vars/all.vault.yaml); all files or none are changed'), 'to encrypt with'))
    .argument('<files...>', 'files to encrypt')
    .addHelpText(
      'after',
      `
An encrypted YAML vars file is decrypted when the inventory loads, and every value in it is
secret. Name it <group>.vault.yaml to keep a plain <group>.yaml beside it.${PASSPHRASES}`,
    )
    .action(async (files: string[], o) => vaultEncrypt({ ...o, files }, processIO()));

  addVaultPasswordOption(vault.command('decrypt').description('Decrypt vault files in place (or to --output); the result is plaintext: do not commit it'))
    .argument('<files...>', 'vault files')
    .option('-o, --output <file>', 'write the plaintext here instead ("-" for standard output); one file only')
    .action(async (files: string[], o) => vaultDecrypt({ ...o, files }, processIO()));

  addVaultPasswordOption(vault.command('view').description('Print a vault file decrypted, without writing anything'))
    .argument('<file>', 'vault file')
    .action(async (file: string, o) => vaultView({ ...o, file }, processIO()));

  addVaultPasswordOption(labelOpt(vault.command('edit').description('Edit a vault file in $VISUAL / $EDITOR (created when missing) and encrypt it again'), 'for a new file'))
    .argument('<file>', 'vault file')
    .addHelpText(
      'after',
      `
The plaintext is written only to a private temp file (mode 0600 in a 0700 folder, in /dev/shm
when available) that is removed when the editor exits, whatever happens.${PASSPHRASES}`,
    )
    .action(async (file: string, o) => vaultEdit({ ...o, file }, processIO()));

  addVaultPasswordOption(labelOpt(scryptOpt(vault.command('rekey').description('Re-encrypt every value and file of a label under a folder with a new passphrase, atomically')), 'to rekey'))
    .argument('[dir]', 'folder to search (default: the current folder); the label check file above it is included')
    .option('--new-vault-password-file <file>', 'file holding the new passphrase (or env WPHA_VAULT_NEW_PASSWORD; else asked twice)')
    .addHelpText(
      'after',
      `
Everything is decrypted and re-encrypted in memory and checked first; then all files are
replaced together. If any value cannot be decrypted, or a write fails, no file is changed.
Values of other labels are left untouched.${PASSPHRASES}`,
    )
    .action(async (dir: string | undefined, o) => vaultRekey({ ...o, ...(dir ? { dir } : {}) }, processIO()));

  addVaultPasswordOption(labelOpt(vault.command('encrypt-string').description('Encrypt one value for a YAML file: prints "name: !vault |" and the envelope'), 'to encrypt with'))
    .option('-n, --name <var>', 'variable name to print before the value')
    .option('--keep-newline', 'keep a trailing newline of the value read from standard input')
    .addHelpText(
      'after',
      `
The value is read from standard input (or asked twice on a terminal), never from the command
line, so it stays out of shell history and the process list.${PASSPHRASES}`,
    )
    .action(async (o) => vaultEncryptString(o, processIO()));
}
