/**
 * Secrets end to end on lab hosts: a role uses vault values (a `!vault` value and a whole vault
 * file), a `!secret` value and a var the role declares secret, in a template, a command's env, a
 * shell script and copy content. Whole applies run with --diff --json --junit and with the plain
 * reporter: a first run, change runs where the secrets change (so a diff would show old and new
 * values), and a failing task that prints the secrets. Every byte of stdout, stderr, the JUnit
 * file and every file the engine wrote on the controller is searched for every secret: zero hits.
 * On the hosts: the secret files have the right mode and owner, and no process command line ever
 * showed a secret while the tasks ran.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { jsonEvents, runWpha, tasksOf, type CliResult } from '../helpers/wpha-cli.js';
import { encryptEnvelope, KeyCache, newHeader } from '../../src/vault/cipher.js';
import { vaultSnippet } from '../../src/vault/yaml-values.js';
import { SECRET_DIFF_NOTE } from '../../src/engine/events.js';

const PASSPHRASE = 'secrets-test vault passphrase 31415';
/** Each version of the secrets a run uses; db_password and api_token change between versions. */
const VERSIONS = ['a', 'b', 'c'].map((v, i) => ({ db: `db-PW-7f3a#x%${i}${v}`, api: `api-TOKEN-5b1d+${i}${v}` }));
const FIXED = { copy: 'copy-SECRET-3a9c=9', shell: 'shell-SECRET-6d2b@8', role: 'role-SECRET-4f8e:7' };
const ALL_SECRETS = [...VERSIONS.flatMap((v) => [v.db, v.api]), ...Object.values(FIXED), PASSPHRASE];

/** Every file under `dir` (recursively) with its content. */
function filesUnder(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(full));
    else if (e.isFile()) out.push({ file: full, text: readFileSync(full, 'latin1') });
  }
  return out;
}

function expectNoSecret(where: string, text: string): void {
  for (const s of ALL_SECRETS) if (text.includes(s)) throw new Error(`secret "${s}" found in ${where}`);
  expect(text.length).toBeGreaterThan(0);
}

describe('secrets never leak, end to end', () => {
  let lab: LabHosts;
  let inv: string;
  let controller: string;
  const env: Record<string, string> = {};
  const runs: { name: string; r: CliResult; junit?: string }[] = [];
  const cache = new KeyCache();
  const header = newHeader('seclab', { N: 2 ** 14, r: 8, p: 1 });

  /** Writes the vault values of `version` into the inventory. */
  const useVersion = (i: number) => {
    const v = VERSIONS[i]!;
    writeFileSync(
      path.join(inv, 'group_vars', 'all.yaml'),
      `shell_secret: !secret ${FIXED.shell}\nrole_secret: ${FIXED.role}\n${vaultSnippet(encryptEnvelope(v.db, PASSPHRASE, header, cache), 'db_password')}`,
    );
    writeFileSync(path.join(inv, 'group_vars', 'all.vault.yaml'), encryptEnvelope(`api_token: "${v.api}"\ncopy_secret: "${FIXED.copy}"\n`, PASSPHRASE, header, cache));
  };

  const apply = async (name: string, args: string[]) => {
    const junit = args.includes('--junit') ? path.join(controller, `${name}.xml`) : undefined;
    const r = await runWpha(['apply', '-i', inv, '--diff', ...args.flatMap((a) => (a === '--junit' ? [a, junit!] : [a]))], { env });
    runs.push({ name, r, ...(junit ? { junit } : {}) });
    return r;
  };

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'sec');
    inv = writeLabInventory(lab, { groups: { app: { hosts: [0, 1], roles: ['secret_app'] } }, roleDirs: ['test/secrets/fixtures/roles'] }).dir;
    mkdirSync(path.join(inv, 'group_vars'));
    controller = mkdtempSync(path.join(tmpdir(), 'wpha-secrets-controller-'));
    // Everything the engine could write on the controller lands under `controller`.
    for (const k of ['HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'TMPDIR']) env[k] = path.join(controller, k.toLowerCase());
    for (const d of Object.values(env)) mkdirSync(d, { recursive: true });
    env.WPHA_VAULT_PASSWORD_SECLAB = PASSPHRASE;
    useVersion(0);
  });
  afterAll(async () => {
    await lab?.release();
    if (controller) rmSync(controller, { recursive: true, force: true });
  });

  it('first run (--json --junit): secrets land on the hosts with the right modes, never in ps', async () => {
    const [a] = lab.hosts.map((h) => h.name) as [string];
    let running = true;
    const psSamples: string[] = [];
    const poll = (async () => {
      while (running) {
        psSamples.push((await lab.ssh(a, 'ps -eo args')).stdout);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const r = await apply('first-json', ['--json', '--junit', '-e', 'secret_app_pause=3']);
    running = false;
    await poll;
    expect(r.code).toBe(0);
    const tasks = tasksOf(jsonEvents(r.stdout), a);
    expect(tasks.filter((t) => t.status === 'changed').map((t) => t.task)).toEqual([
      'app folder',
      'app config with the database password',
      'token file from copy content',
      'command with a secret in its environment',
      'shell script holding secrets',
    ]);
    // The tasks really ran while we looked: both sleeps were seen, and no secret ever was.
    expect(psSamples.some((s) => /^sleep 3$/m.test(s))).toBe(true);
    expect(psSamples.some((s) => s.includes('printf %s "$API_TOKEN"'))).toBe(true);
    expectNoSecret('ps -eo args on the host', psSamples.join('\n'));

    const files = await lab.ssh(a, 'cd /srv/secret-app && stat -c "%n %a %U:%G" app.conf token from-shell && cat from-env && echo && cat from-shell && grep password app.conf && cat token');
    expect(files.stdout.split('\n')).toEqual([
      'app.conf 640 root:www-data',
      'token 600 root:root',
      'from-shell 600 root:root',
      VERSIONS[0]!.api,
      FIXED.shell,
      FIXED.role,
      `password = ${VERSIONS[0]!.db}`,
      `token=${FIXED.copy}`,
    ]);
  });

  it('first run again with the plain reporter (after wiping the hosts)', async () => {
    for (const h of lab.hosts) await lab.ssh(h.name, 'rm -rf /srv/secret-app');
    const r = await apply('first-plain', []);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| changed | secret_app | app config with the database password');
    expect(r.stdout).toContain('(diff hidden: the change involves secret values)');
  });

  it('change runs: new secret values (a diff would show old and new) with --json --junit, then plain', async () => {
    useVersion(1);
    const j = await apply('change-json', ['--json', '--junit']);
    expect(j.code).toBe(0);
    const config = tasksOf(jsonEvents(j.stdout)).filter((t) => t.task === 'app config with the database password');
    expect(config.map((t) => [t.status, t.diff])).toEqual([
      ['changed', SECRET_DIFF_NOTE],
      ['changed', SECRET_DIFF_NOTE],
    ]);
    useVersion(2);
    const p = await apply('change-plain', []);
    expect(p.code).toBe(0);
    expect((await lab.ssh(lab.hosts[1]!.name, 'grep password /srv/secret-app/app.conf; cat /srv/secret-app/from-env')).stdout).toBe(`password = ${VERSIONS[2]!.db}\n${VERSIONS[2]!.api}`);
  });

  it('a failing task whose output echoes the secrets', async () => {
    const j = await apply('fail-json', ['--json', '--junit', '-e', 'secret_app_fail=true']);
    expect(j.code).toBe(1);
    const failed = tasksOf(jsonEvents(j.stdout)).filter((t) => t.status === 'failed');
    expect(failed).toHaveLength(2);
    expect(failed[0]!.error).toContain('exit 7');
    expect(failed[0]!.error).toContain('connecting with *** and ***\nerror: login failed for *** / *** / ***');
    const p = await apply('fail-plain', ['-e', 'secret_app_fail=true', '-v']);
    expect(p.code).toBe(1);
    expect(p.stdout).toContain('| failed | secret_app | a failing task that prints the secrets | exit 7');
  });

  it('no secret in any byte of stdout, stderr, the JUnit files or any file written on the controller', () => {
    expect(runs.map((r) => r.name)).toEqual(['first-json', 'first-plain', 'change-json', 'change-plain', 'fail-json', 'fail-plain']);
    for (const { name, r, junit } of runs) {
      expectNoSecret(`stdout of ${name}`, r.stdout);
      if (r.stderr) expectNoSecret(`stderr of ${name}`, r.stderr);
      if (junit) expectNoSecret(`JUnit file of ${name}`, readFileSync(junit, 'utf8'));
    }
    const written = filesUnder(controller).filter((f) => !f.file.endsWith('.xml'));
    // The facts cache and the run log were written there, so the search below looked at real files.
    expect(written.some((f) => f.file.includes(`${path.sep}wpha${path.sep}facts${path.sep}`))).toBe(true);
    expect(written.some((f) => f.file.endsWith(`${path.sep}wpha${path.sep}runs.jsonl`))).toBe(true);
    for (const f of written) expectNoSecret(f.file, f.text);
    // The inventory folder holds only what the test wrote (the engine writes nothing there).
    expect(readdirSync(inv).sort()).toEqual(['group_vars', 'inventory.yaml', 'roles']);
    expect(statSync(path.join(inv, 'inventory.yaml')).isFile()).toBe(true);
  });
});
