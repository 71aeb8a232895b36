/**
 * Partials are found, never resolved from a path a template wrote: the renderer lists
 * `*.hbs` files of the allowed folders (the project's templates/partials, then the role's
 * templates/partials) and registers each under its file name. A later folder overrides an
 * earlier one, so a role can replace a shared partial. Symlinks and subfolders are ignored.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateError } from './errors.js';
import { PARTIAL_NAME } from './prepare.js';

/** name -> absolute file path, in precedence order. Missing folders are skipped. */
export function findPartials(dirs: readonly string[], display: (file: string) => string): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue;
      const name = entry.name.slice(0, -'.hbs'.length);
      const file = join(dir, entry.name);
      if (!PARTIAL_NAME.test(name)) {
        throw new TemplateError({ file: display(file), line: 1, col: 1 }, `Partial file name "${entry.name}" cannot be used; use letters, digits, "_", "-" and "."`);
      }
      found.set(name, file);
    }
  }
  return found;
}
