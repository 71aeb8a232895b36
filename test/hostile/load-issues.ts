/** What the run's own loader says of an inventory folder: its issue lines, or none when it loads. */
import { InputError, formatIssue } from '../../src/errors.js';
import { loadForRun } from '../../src/engine/load.js';
import { Passphrases } from '../../src/vault/passphrase.js';

/** `file:line:col: key.path: message` per issue; [] when the inventory loads (no vault passphrase given). */
export async function loadIssues(dir: string, extraVars: string[] = []): Promise<string[]> {
  try {
    await loadForRun({ inventory: dir, cwd: dir, extraVars, passphrases: new Passphrases({ env: {} }) });
  } catch (e) {
    if (e instanceof InputError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}
