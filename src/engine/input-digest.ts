/**
 * One digest of the files a load read, to tell cheaply whether any of them changed since: every
 * file under some folders (names, kinds, symbolic links' targets and contents), single files
 * (content, or absence) and paths whose existence alone decided something. Contents are hashed,
 * not dated, so that an edit is seen whatever the file system's timestamps say.
 */
import { createHash, type Hash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

export interface LoadInputs {
  /** Folders read as a whole (a role's folder, a partials folder); an absent one counts as absent. */
  trees: string[];
  /** Single files (a `shared.yaml`): content, or absence. */
  files: string[];
  /** Paths whose existence alone decided something (a role found in an earlier search folder). */
  exists: string[];
  /**
   * Names of sub-folders, directly under a tree, whose files a load only looks for and never
   * reads (a role's `files/`): they count by name, kind, size and modification time, so that a
   * large artifact is not read on every run.
   */
  namesOnly: string[];
  /** Names, directly under a tree, a load never reads at all (a role's `.git`). */
  skip?: string[];
}

/** Symbolic links followed inside one tree at most this deep (a loop ends as a change, not a hang). */
const MAX_DEPTH = 32;

export interface Digest {
  digest: string;
  /**
   * With `times`: the latest modification or change time (ms since the epoch) of any file or
   * folder read. A file written at about the moment a load read it may hold another content than
   * the load saw with the same digest later; the caller keeps nothing then (git's "racily clean").
   */
  newest?: number;
}

export function digestInputs(inputs: LoadInputs, salt: string, opts: { times?: boolean } = {}): Digest {
  const h = createHash('sha256');
  const field = (...parts: (string | number)[]) => h.update(`${parts.join('\0')}\n`);
  const seen: Seen = { newest: 0, times: Boolean(opts.times) };
  field('salt', salt);
  for (const dir of inputs.trees) {
    field('tree', dir);
    dated(seen, dir);
    tree(h, dir, '', { namesOnly: new Set(inputs.namesOnly), skip: new Set(inputs.skip) }, 0, field, seen);
  }
  for (const file of inputs.files) {
    field('file', file);
    content(h, file, field, seen);
  }
  for (const p of inputs.exists) field('exists', p, statSync(p, { throwIfNoEntry: false }) ? 1 : 0);
  return { digest: h.digest('hex'), ...(opts.times ? { newest: seen.newest } : {}) };
}

type Field = (...parts: (string | number)[]) => void;
interface Seen {
  newest: number;
  times: boolean;
}

function dated(seen: Seen, p: string): void {
  if (!seen.times) return;
  const st = statSync(p, { throwIfNoEntry: false });
  if (st) seen.newest = Math.max(seen.newest, st.mtimeMs, st.ctimeMs);
}

function content(h: Hash, file: string, field: Field, seen: Seen): void {
  dated(seen, file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    field('unreadable', (e as NodeJS.ErrnoException).code ?? 'error');
    return;
  }
  field('bytes', bytes.length);
  h.update(bytes);
}

interface TopLevel {
  namesOnly: ReadonlySet<string>;
  skip: ReadonlySet<string>;
}

function tree(h: Hash, dir: string, rel: string, top: TopLevel, depth: number, field: Field, seen: Seen): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    field('unlisted', rel, (e as NodeJS.ErrnoException).code ?? 'error');
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    const at = rel ? `${rel}/${e.name}` : e.name;
    if (rel === '' && top.skip.has(e.name)) continue;
    const shallow = rel === '' && top.namesOnly.has(e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      // The link's text and where it leads both count: a load checks that a role's files stay
      // inside their folder once links are resolved.
      let real = '';
      try {
        real = realpathSync(full);
      } catch {
        // dangling
      }
      field('link', at, readlinkSync(full), real);
      const target = statSync(full, { throwIfNoEntry: false });
      isDir = Boolean(target?.isDirectory());
      isFile = Boolean(target?.isFile());
      if (isDir && depth >= MAX_DEPTH) {
        field('too-deep', at);
        continue;
      }
    }
    if (isDir) {
      field('dir', at);
      dated(seen, full);
      if (shallow) namesOf(full, at, field);
      else tree(h, full, at, top, depth + (e.isSymbolicLink() ? 1 : 0), field, seen);
    } else if (isFile) {
      field('file', at);
      content(h, full, field, seen);
    } else field('other', at, lstatSync(full).mode);
  }
}

/** A folder whose files count by name, kind, size and time (see LoadInputs.namesOnly). */
function namesOf(dir: string, rel: string, field: Field): void {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch (e) {
    field('unlisted', rel, (e as NodeJS.ErrnoException).code ?? 'error');
    return;
  }
  names.sort();
  for (const n of names) {
    const st = statSync(path.join(dir, n), { throwIfNoEntry: false });
    field('entry', `${rel}/${n}`, st ? (st.isFile() ? 'f' : st.isDirectory() ? 'd' : 'o') : '-', st?.size ?? 0, st?.mtimeMs ?? 0);
  }
}
