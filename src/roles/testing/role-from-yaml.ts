/** For loader tests: a role written from one role.yaml text, loaded (or its issues, formatted). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError, formatIssue, type InputIssue } from '../../errors.js';
import type { RoleSpec, TaskSpec } from '../../model.js';
import { testOps } from '../fixtures/known-ops.js';
import { loadRole } from '../load.js';
import type { KnownOps } from '../schema.js';

export interface RoleFromYaml {
  /** Writes `roles/<new name>/role.yaml` (`description: test` and `yaml`) and loads it. */
  load(yaml: string): Promise<{ role: RoleSpec | undefined; issues: string[] }>;
  /** Removes the folder. */
  cleanup(): void;
}

/** `knownOps`: the operations the loader knows (default: the loader tests' few, see fixtures/known-ops.ts). */
export function roleFromYaml(prefix: string, opts: { validateExpressions?: (task: TaskSpec) => InputIssue[]; knownOps?: KnownOps } = {}): RoleFromYaml {
  const { validateExpressions, knownOps = testOps } = opts;
  const dir = mkdtempSync(path.join(tmpdir(), `wpha-${prefix}-`));
  let n = 0;
  return {
    async load(yaml) {
      const name = `r${n++}`;
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'role.yaml'), `description: test\n${yaml}`);
      try {
        return { role: await loadRole(name, { searchDirs: [dir], knownOps, cwd: dir, ...(validateExpressions ? { validateExpressions } : {}) }), issues: [] };
      } catch (err) {
        if (err instanceof InputError) return { role: undefined, issues: err.issues.map(formatIssue) };
        throw err;
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
