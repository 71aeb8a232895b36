/**
 * The catalogue of bad inputs: one folder per case under fixtures/bad/, holding the files of an
 * inventory (and its roles/), an optional args.json ({ "extraVars": [...] }) and expected.txt:
 * the exact issue lines (`file:line:col: key.path: message`), in the order they are reported.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError, formatIssue } from '../errors.js';
import { testOps } from '../roles/fixtures/known-ops.js';
import { loadInventory } from '../play/load.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'bad');
const cases = readdirSync(root)
  .filter((d) => existsSync(path.join(root, d, 'inventory.yaml')))
  .sort();

async function issueLines(dir: string): Promise<string[]> {
  const argsFile = path.join(dir, 'args.json');
  const args = existsSync(argsFile) ? (JSON.parse(readFileSync(argsFile, 'utf8')) as { extraVars?: string[] }) : {};
  try {
    await loadInventory({ name: dir, cwd: dir, knownOps: testOps, roleDirs: [path.join(dir, 'roles')], extraVars: args.extraVars, env: {} });
  } catch (err) {
    if (err instanceof InputError) return err.issues.map(formatIssue);
    throw err;
  }
  return [];
}

describe('bad inputs', () => {
  it('has a large catalogue', () => {
    expect(cases.length).toBeGreaterThanOrEqual(22);
  });

  it.each(cases)('%s', async (name) => {
    const dir = path.join(root, name);
    const expected = readFileSync(path.join(dir, 'expected.txt'), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(expected.length).toBeGreaterThan(0);
    expect(await issueLines(dir)).toEqual(expected);
  });
});
