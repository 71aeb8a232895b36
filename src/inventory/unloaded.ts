/**
 * One root cause, one error. A vars file that did not load (a duplicate key, bad YAML, a vault
 * file without its passphrase) would otherwise also show up as "Missing required variable" for
 * every variable it sets, on every host it applies to. Its own error is reported; the checks
 * that depend on its content are skipped and summarised in ONE line per file.
 */
import type { InputIssue, SourceLocation } from '../errors.js';

/** A source of variables that did not load: which variables it held is unknown. */
export interface UnloadedSource {
  /** The file (undefined for a `-e key=value` argument). */
  location?: SourceLocation;
  /** Key path for the summary line (`-e name` for a command-line value). */
  path: (string | number)[];
  /** The only variable it could have set (a `-e key=value`); undefined: any variable. */
  name?: string;
  what: 'file' | 'value';
}

export function unloadedFile(file: string): UnloadedSource {
  return { location: { file, line: 1, col: 1 }, path: [], what: 'file' };
}

/** Could `source` have set variable `name`? */
export function couldSet(source: UnloadedSource, name: string): boolean {
  return source.name === undefined || source.name === name;
}

/** The summary line for each source that hid "missing" findings, naming the hosts (at most 5). */
export function notCheckedIssues(notChecked: ReadonlyMap<UnloadedSource, ReadonlySet<string>>): InputIssue[] {
  return [...notChecked].map(([source, hosts]) => {
    const list = [...hosts];
    const names =
      list
        .slice(0, 5)
        .map((h) => `"${h}"`)
        .join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : '');
    const hostsText = list.length === 1 ? `host ${names}` : `${list.length} hosts (${names})`;
    const vars = source.name ? `Required variable "${source.name}" of ${hostsText} is` : `Required variables of ${hostsText} are`;
    return {
      ...(source.location ? { location: source.location } : {}),
      path: source.path,
      message: `${vars} not checked while this ${source.what} does not load; fix the error above first`,
    };
  });
}
