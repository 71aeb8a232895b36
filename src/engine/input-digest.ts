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
  const w: Walk = {
    h,
    field: (...parts) => h.update(`${parts.join('\0')}\n`),
    times: Boolean(opts.times),
    newest: 0,
    namesOnly: new Set(inputs.namesOnly),
    skip: new Set(inputs.skip),
  };
  w.field('salt', salt);
  for (const dir of inputs.trees) {
    w.field('tree', dir);
    dated(w, dir);
    tree(w, dir, '', 0);
  }
  for (const file of inputs.files) {
    w.field('file', file);
    content(w, file);
  }
  for (const p of inputs.exists) w.field('exists', p, statSync(p, { throwIfNoEntry: false }) ? 1 : 0);
  return { digest: h.digest('hex'), ...(opts.times ? { newest: w.newest } : {}) };
}

/** One digest being made: the hash, how a line goes into it, the newest time seen, the tree rules. */
interface Walk {
  h: Hash;
  field: (...parts: (string | number)[]) => void;
  times: boolean;
  newest: number;
  /** See LoadInputs.namesOnly and .skip: names directly under a tree. */
  namesOnly: ReadonlySet<string>;
  skip: ReadonlySet<string>;
}

const errorCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'error';

function dated(w: Walk, p: string): void {
  if (!w.times) return;
  const st = statSync(p, { throwIfNoEntry: false });
  if (st) w.newest = Math.max(w.newest, st.mtimeMs, st.ctimeMs);
}

function content(w: Walk, file: string): void {
  dated(w, file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    w.field('unreadable', errorCode(e));
    return;
  }
  w.field('bytes', bytes.length);
  w.h.update(bytes);
}

function tree(w: Walk, dir: string, rel: string, depth: number): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    w.field('unlisted', rel, errorCode(e));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (rel === '' && w.skip.has(e.name)) continue;
    const full = path.join(dir, e.name);
    const at = rel ? `${rel}/${e.name}` : e.name;
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
      w.field('link', at, readlinkSync(full), real);
      const target = statSync(full, { throwIfNoEntry: false });
      isDir = Boolean(target?.isDirectory());
      isFile = Boolean(target?.isFile());
      if (isDir && depth >= MAX_DEPTH) {
        w.field('too-deep', at);
        continue;
      }
    }
    if (isDir) {
      w.field('dir', at);
      dated(w, full);
      if (rel === '' && w.namesOnly.has(e.name)) namesOf(w, full, at);
      else tree(w, full, at, depth + (e.isSymbolicLink() ? 1 : 0));
    } else if (isFile) {
      w.field('file', at);
      content(w, full);
    } else w.field('other', at, lstatSync(full).mode);
  }
}

/** A folder whose files count by name, kind, size and time (see LoadInputs.namesOnly). */
function namesOf(w: Walk, dir: string, rel: string): void {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch (e) {
    w.field('unlisted', rel, errorCode(e));
    return;
  }
  names.sort();
  for (const n of names) {
    const st = statSync(path.join(dir, n), { throwIfNoEntry: false });
    w.field('entry', `${rel}/${n}`, st ? (st.isFile() ? 'f' : st.isDirectory() ? 'd' : 'o') : '-', st?.size ?? 0, st?.mtimeMs ?? 0);
  }
}
