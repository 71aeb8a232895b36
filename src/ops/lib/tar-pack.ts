/**
 * Packs a controller folder into a POSIX ustar archive, deterministically: entries sorted by
 * name, owner root (uid/gid 0), modification time 0, modes normalised to 0755 (directories and
 * files with any execute bit) or 0644. The same tree therefore always gives the same bytes, so
 * its sha256 identifies the content (a checkout on another machine, or with another umask, packs
 * the same), and `unarchive` can tell a host that already has it without sending anything.
 *
 * Regular files, directories and symbolic links are packed; anything else (sockets, fifos,
 * devices) is refused, as are names that do not fit ustar's 100 + 155 bytes.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 512;

export interface TarEntry {
  /** Path inside the archive, `/`-separated, no leading `./`; directories end without a slash. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  /** File content (files only). */
  content?: Buffer;
  /** Link target (symlinks only), written as found. */
  target?: string;
}

/** What went wrong with one path of the folder (packing stops at the first). */
export class TarPackError extends Error {}

/** Walks `root` (sorted by byte order at each level); names in `exclude` are skipped at any depth. */
export function collectEntries(root: string, exclude: readonly string[] = []): TarEntry[] {
  const skip = new Set(exclude);
  const out: TarEntry[] = [];
  const walk = (dir: string, prefix: string): void => {
    const names = readdirSync(dir).filter((n) => !skip.has(n));
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) {
      const abs = join(dir, n);
      const name = prefix ? `${prefix}/${n}` : n;
      const st = lstatSync(abs);
      if (st.isDirectory()) {
        out.push({ name, type: 'directory', mode: 0o755 });
        walk(abs, name);
      } else if (st.isFile()) {
        out.push({ name, type: 'file', mode: st.mode & 0o111 ? 0o755 : 0o644, content: readFileSync(abs) });
      } else if (st.isSymbolicLink()) {
        out.push({ name, type: 'symlink', mode: 0o777, target: readlinkSync(abs) });
      } else {
        throw new TarPackError(`"${abs}" is not a regular file, folder or symbolic link`);
      }
    }
  };
  walk(root, '');
  return out;
}

/** ustar splits a long name into prefix (<= 155 bytes) + "/" + name (<= 100 bytes). */
export function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  const parts = name.split('/');
  for (let i = parts.length - 1; i > 0; i--) {
    const prefix = parts.slice(0, i).join('/');
    const rest = parts.slice(i).join('/');
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { prefix, name: rest };
  }
  throw new TarPackError(`path "${name}" is too long for a tar archive (at most 100 bytes after the last "/" that leaves at most 155 before it)`);
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  // width - 1 digits and a NUL, as GNU and BSD tar write them.
  buf.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'ascii');
}

/** The 512-byte header of one entry. */
export function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(e.type === 'directory' ? `${e.name}/` : e.name);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, e.type === 'file' ? e.content!.length : 0);
  octal(h, 136, 12, 0);
  h.write(e.type === 'file' ? '0' : e.type === 'directory' ? '5' : '2', 156, 1, 'ascii');
  if (e.type === 'symlink') {
    if (Buffer.byteLength(e.target!) > 100) throw new TarPackError(`symbolic link "${e.name}" points to a target longer than 100 bytes`);
    h.write(e.target!, 157, 100, 'utf8');
  }
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  // The checksum is computed with its own field read as eight spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** The archive bytes of `entries`, in order, ended by two zero blocks. */
export function packEntries(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e));
    if (e.type === 'file' && e.content!.length) {
      parts.push(e.content!);
      const pad = (BLOCK - (e.content!.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** A folder as deterministic tar bytes. */
export function packFolder(root: string, exclude: readonly string[] = []): Buffer {
  return packEntries(collectEntries(root, exclude));
}
