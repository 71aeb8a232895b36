/**
 * Every command that takes an inventory loads it the same way: vault passphrases from
 * `--vault-password-file` (and the environment), `-e` extra vars, and `-l` checked against the
 * inventory, all before any host is contacted. Each case runs the real command line in-process on
 * an inventory whose only group var is a `!vault` value; the command must get past loading (it
 * then stops on something that needs no host: a limit naming no host, a missing provider...).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encryptEnvelope, KeyCache, newHeader } from '../vault/cipher.js';
import { vaultSnippet } from '../vault/yaml-values.js';
import { buildInventory, removeInventory } from '../../test/hostile/fixture.js';
import { run } from './main.js';

const PASS = 'load-test passphrase 4e1d';
const SECRET = 'vaulted-9c2b71';
let dir = '';
let passFile = '';

beforeAll(() => {
  const envelope = encryptEnvelope(SECRET, PASS, newHeader('prod', { N: 2 ** 14, r: 8, p: 1 }), new KeyCache());
  dir = buildInventory({ 'group_vars/web.yaml': vaultSnippet(envelope, 'db_password') }, 'wpha-load-');
  passFile = path.join(dir, 'pass.txt');
  writeFileSync(passFile, `${PASS}\n`, { mode: 0o600 });
});
afterAll(() => removeInventory(dir));
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

/** Runs `wpha ARGV` in this process; returns its exit code and what it printed. */
async function wpha(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  for (const name of ['WPHA_VAULT_PASSWORD', 'WPHA_VAULT_PASSWORD_PROD', 'WPHA_VAULT_PASSWORD_FILE']) vi.stubEnv(name, env[name]);
  vi.stubEnv('XDG_STATE_HOME', dir);
  let out = '';
  const capture = (s: string | Uint8Array) => ((out += String(s)), true);
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const code = await run(argv);
  vi.restoreAllMocks();
  return { code, out };
}

const NO_HOST = /--limit: "nosuch" is neither a host nor a group of inventory/;

/** argv after `-i DIR`, and what the command says once the inventory is loaded. */
const CASES: [string[], RegExp][] = [
  [['apply', '-l', 'nosuch'], NO_HOST],
  [['plan', '-l', 'nosuch'], NO_HOST],
  [['run', '-l', 'nosuch', 'true'], NO_HOST],
  [['facts', '-l', 'nosuch'], NO_HOST],
  [['hostkeys', 'scan', '-l', 'nosuch'], NO_HOST],
  [['inventory', 'show'], /db_password: \*\*\*/],
  [['inventory', 'check'], /is valid: 1 host/],
  [['machines', 'list'], /declares no providers/],
  [['machines', 'create', '--group', 'web'], /declares no providers/],
  [['upgrade', '--group', 'web', '--image', 'g2', '--dry-run'], /declares no providers/],
  [['db', 'status'], /has no replication group and no Galera cluster/],
  [['db', 'promote', '--to', 'web1', '--dry-run'], /has no replication group/],
  [['db', 'failover', '--dry-run'], /has no replication group/],
  [['db', 'recover', '--dry-run'], /has no host with the galera role/],
  [['backup', 'list'], /No host of inventory "wpha-load-\w+" has the backup role/],
  [['backup', 'run'], /No host of inventory "wpha-load-\w+" has the backup role/],
  [['backup', 'verify'], /No host of inventory "wpha-load-\w+" has the backup role/],
];

/** `wpha SUB -i DIR EXTRA... REST...` for a case's argv (SUB: the command and its subcommand, if any). */
function argvOf(args: string[], extra: string[]): string[] {
  const [cmd, ...rest] = args;
  const sub = ['hostkeys', 'inventory', 'machines', 'db', 'backup'].includes(cmd!) ? [cmd!, rest.shift()!] : [cmd!];
  return [...sub, '-i', dir, ...extra, ...rest];
}

describe('one loader for every command', () => {
  it.each(CASES)('wpha %j: needs the vault passphrase (the inventory really has a vault value)', async (args) => {
    const r = await wpha(argvOf(args, []));
    expect(r.out).toMatch(/no passphrase for vault label "prod"/);
    expect(r.out).not.toContain(SECRET);
  });

  it.each(CASES)('wpha %j --vault-password-file F -e ...: loads the vault and the extra vars', async (args, after) => {
    const r = await wpha(argvOf(args, ['--vault-password-file', passFile, '-e', 'app_port=9191']));
    expect(r.out).not.toMatch(/no passphrase|unknown option/);
    expect(r.out).toMatch(after);
    expect(r.out).not.toContain(SECRET);
  });

  it.each(CASES)('wpha %j with WPHA_VAULT_PASSWORD_PROD: loads the vault', async (args, after) => {
    const r = await wpha(argvOf(args, []), { WPHA_VAULT_PASSWORD_PROD: PASS });
    expect(r.out).not.toMatch(/no passphrase/);
    expect(r.out).toMatch(after);
  });

  it('inventory show: the extra var is in the resolved vars', async () => {
    const r = await wpha(['inventory', 'show', '-i', dir, '--vault-password-file', passFile, '-e', 'app_port=9191']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/app_port: 9191/);
  });

  it('--connection takes "local" only, and is refused before the inventory loads', async () => {
    for (const cmd of ['apply', 'plan', 'run', 'facts']) {
      const r = await wpha([cmd, '-i', dir, '--connection', 'winrm', ...(cmd === 'run' ? ['true'] : [])]);
      expect(r.out, cmd).toContain('--connection takes "local" (hosts use SSH unless the inventory says `connection: local`), not "winrm"');
      expect(r.out).not.toMatch(/no passphrase/);
    }
  });
});
