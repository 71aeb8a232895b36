/**
 * wordpress_customizations is a typed object (src | git, ref): a misspelt key, a missing ref, both
 * sources, or a ref that could become an option is refused at load, at the file:line:col of the
 * key in the inventory, before any host is touched. The lab inventory is copied to a temp folder
 * with the setting in host_vars/web1.yaml.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue, InputError } from '../../src/errors.js';
import { OPS } from '../../src/ops/registry.js';
import { loadInventory } from '../../src/play/load.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const work = mkdtempSync(path.join(tmpdir(), 'wpha-wp-vars-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** The issues of loading the lab inventory with `yaml` as web1's host vars ([] when it loads). */
async function issuesWith(yaml: string): Promise<string[]> {
  const dir = path.join(work, `inv${++n}`);
  cpSync(path.join(root, 'inventories/lab'), dir, { recursive: true });
  mkdirSync(path.join(dir, 'host_vars'), { recursive: true });
  writeFileSync(path.join(dir, 'host_vars/web1.yaml'), yaml);
  try {
    await loadInventory({ name: dir, cwd: dir, knownOps: OPS, env: {} });
    return [];
  } catch (e) {
    if (e instanceof InputError) return e.issues.map(formatIssue).map((l) => l.replace(/\s+\(role "wordpress"\)$/, ''));
    throw e;
  }
}

describe('wordpress_customizations is checked key by key at load', () => {
  it('accepts a folder or a repository at a ref', async () => {
    expect(await issuesWith('wordpress_customizations: { src: custom, ref: release/7 }\n')).toEqual([]);
    expect(await issuesWith('wordpress_customizations:\n  git: https://git.example.net/site.git\n  ref: v3\n')).toEqual([]);
  });

  it('names the misspelt key at its line, with the key it meant', async () => {
    const issues = await issuesWith('wordpress_customizations:\n  gti: https://git.example.net/site.git\n  ref: v3\n');
    expect(issues).toContain(
      'host_vars/web1.yaml:2:3: wordpress_customizations.gti: Variable "wordpress_customizations" of role "wordpress": Unknown key "gti" (did you mean "git"?); allowed keys: src, git, ref',
    );
  });

  it('refuses a source without ref, both sources, and a ref that could become an option', async () => {
    expect(await issuesWith('wordpress_customizations:\n  git: https://git.example.net/site.git\n')).toEqual([
      expect.stringMatching(
        /^host_vars\/web1\.yaml:1:1: wordpress_customizations: Variable "wordpress_customizations" of role "wordpress": Missing key "ref", required when src is defined or git is defined/,
      ),
    ]);
    expect(await issuesWith('wordpress_customizations: { src: custom, git: https://git.example.net/site.git, ref: v1 }\n')).toEqual([
      'host_vars/web1.yaml:1:1: wordpress_customizations: wordpress_customizations takes src (a controller folder) or git (a repository), not both',
    ]);
    expect(await issuesWith('wordpress_customizations:\n  git: https://git.example.net/site.git\n  ref: "--upload-pack=x"\n')).toEqual([
      'host_vars/web1.yaml:3:3: wordpress_customizations.ref: Variable "wordpress_customizations" of role "wordpress": expected a commit, tag, branch or label (letters, digits and . _ / @ + -, no leading - or ., no ..), found string "--upload-pack=x"',
    ]);
  });
});
