import { describe, it, expect, afterAll, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../main.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wpha-vault-argv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `wpha ARGS` in-process with `env` added, returning the exit code and what it printed. */
async function wpha(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    const code = await run(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.env = saved;
    process.exitCode = 0;
  }
}

describe('wpha vault (argv)', () => {
  const env = { WPHA_VAULT_PASSWORD_PROD: 'argv test passphrase', VISUAL: `sh -c 'printf "b: 2\\n" >> "$0"'` };
  const file = path.join(dir, 'all.vault.yaml');

  it('init, encrypt, then edit and view a prod file without repeating --label', async () => {
    expect((await wpha(['vault', 'init', '--label', 'prod', '--scrypt-n', '32768', '--dir', dir], env)).code).toBe(0);
    writeFileSync(file, 'a: 1\n');
    expect(await wpha(['vault', 'encrypt', '--label', 'prod', file], env)).toMatchObject({ code: 0, out: `Encrypted ${file} (label "prod")\n` });
    expect(readFileSync(file, 'utf8')).toMatch(/^\$WPHA_VAULT;1;AES256GCM;scrypt;N=32768;r=8;p=1;salt=\S+;prod\n/);
    expect(await wpha(['vault', 'edit', file], env)).toMatchObject({ code: 0, out: `Saved ${file} (label "prod")\n` });
    expect(await wpha(['vault', 'view', file], env)).toMatchObject({ code: 0, out: 'a: 1\nb: 2\n' });
  });

  it('reports usage errors with exit status 64 and a clear message', async () => {
    // A prod file of its own: this test must not depend on the one above having run.
    const own = mkdtempSync(path.join(dir, 'usage-'));
    const file = path.join(own, 'all.vault.yaml');
    writeFileSync(file, 'a: 1\n');
    expect((await wpha(['vault', 'init', '--label', 'prod', '--scrypt-n', '32768', '--dir', own], env)).code).toBe(0);
    expect((await wpha(['vault', 'encrypt', '--label', 'prod', file], env)).code).toBe(0);
    expect(await wpha(['vault', 'edit', '--label', 'lab', file], env)).toMatchObject({
      code: 64,
      err: `wpha: "${file}" is encrypted with label "prod", not "lab" (use \`wpha vault rekey\` to change keys)\n`,
    });
    expect(await wpha(['vault', 'init', '--scrypt-n', '1000', '--dir', dir], env)).toMatchObject({
      code: 64,
      err: 'wpha: --scrypt-n must be a power of two from 32768 (2^15) to 1048576 (2^20), not "1000"\n',
    });
  });
});
