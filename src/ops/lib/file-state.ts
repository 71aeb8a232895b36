/**
 * The current state of one path on a host: the probe line that asks for it (through the
 * `wpha_fstate` prelude function) and the pure parser of its answer.
 */
import { sh } from '../../shell/quote.js';
import type { ProbeOutput } from '../types.js';

export type FileType = 'absent' | 'file' | 'directory' | 'link' | 'other';

export interface FileState {
  /** The parent directory exists (a file cannot be created otherwise). */
  parentExists: boolean;
  /** What is at the path (after following a symlink when the probe was asked to). */
  type: FileType;
  /** Set when the path itself is a symbolic link: its target, as written in the link. */
  linkTarget?: string;
  /** Set when a symlink was followed: the absolute path the rest of the state describes. */
  resolvedPath?: string;
  /** Octal permission bits, always 4 digits: "0644", "2755". */
  mode?: string;
  uid?: number;
  gid?: number;
  /** User and group names ("UNKNOWN" when the id has no name on the host). */
  owner?: string;
  group?: string;
  size?: number;
  /** Lowercase hex sha256 of a regular file's content. */
  sha256?: string;
  /** The file's bytes, when the probe was asked for them and they were sent. */
  content?: Buffer;
  /** Why content was asked for but not sent. */
  contentSkipped?: 'too-large' | 'binary';
}

export type ContentRequest =
  /** Only stat (no hashing): directories, links, `file` op. */
  | 'none'
  /** stat + sha256. */
  | 'sha'
  /** stat + sha256, plus the text content when its sha256 differs from `want` (for --diff). */
  | 'if-differs'
  /** stat + sha256 + content, always (lineinfile/blockinfile edit the content). */
  | 'always';

export interface FileProbeOptions {
  content: ContentRequest;
  /** The sha256 the controller wants (used with `if-differs`). */
  want?: string;
  /** Content larger than this is not sent (`contentSkipped: 'too-large'`). */
  maxBytes?: number;
  /** Describe the file a symlink points to instead of the link. */
  follow?: boolean;
}

/** Content shown in diffs is capped: a diff of a larger file is not worth the bytes. */
export const DIFF_MAX_BYTES = 256 * 1024;
/** Files that lineinfile/blockinfile edit on the controller are capped at this size. */
export const EDIT_MAX_BYTES = 8 * 1024 * 1024;

const CONTENT_FLAG: Record<ContentRequest, string> = { none: '', sha: 's', 'if-differs': 'sd', always: 'sa' };

/** The probe fragment (needs FILE_PRELUDE). */
export function fileStateProbe(path: string, opts: FileProbeOptions): string {
  const flags = CONTENT_FLAG[opts.content] + (opts.follow ? 'L' : '') || '-';
  const max = opts.maxBytes ?? (opts.content === 'always' ? EDIT_MAX_BYTES : DIFF_MAX_BYTES);
  return sh`wpha_fstate ${path} ${flags} ${opts.want ?? ''} ${max}`;
}

const STAT_TYPES: Record<string, FileType> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'link',
};

/**
 * Parse what `wpha_fstate` printed. Throws when the probe failed or printed something that is
 * not its format (that is a bug or a broken host, never a state to plan on).
 */
export function parseFileState(out: ProbeOutput, path: string): FileState {
  if (out.rc !== 0) throw new Error(`Cannot read the state of "${path}" (probe exit status ${out.rc})`);
  const state: FileState = { parentExists: false, type: 'absent' };
  let sawType = false;
  for (const line of out.stdout.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`Unexpected probe output for "${path}": ${JSON.stringify(line)}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case 'parent':
        state.parentExists = value === '1';
        break;
      case 'link':
        state.linkTarget = Buffer.from(value, 'base64').toString('utf8');
        break;
      case 'resolved':
        state.resolvedPath = Buffer.from(value, 'base64').toString('utf8');
        break;
      case 'type':
        state.type = 'absent';
        sawType = true;
        break;
      case 'stat':
        Object.assign(state, parseStatLine(value, path));
        sawType = true;
        break;
      case 'sha256':
        state.sha256 = value;
        break;
      case 'content':
        state.content = Buffer.from(value, 'base64');
        break;
      case 'untrusted':
        // A symbolic link another user owns lies on the way: nothing else was read.
        throw new Error(Buffer.from(value, 'base64').toString('utf8'));
      case 'content_skipped':
        if (value !== 'too-large' && value !== 'binary') throw new Error(`Unexpected probe output for "${path}": ${line}`);
        state.contentSkipped = value;
        break;
      default:
        throw new Error(`Unexpected probe output for "${path}": ${JSON.stringify(line)}`);
    }
  }
  if (!sawType) throw new Error(`Incomplete probe output for "${path}"`);
  return state;
}

function parseStatLine(value: string, path: string): Partial<FileState> {
  const parts = value.split('|');
  if (parts.length !== 7) throw new Error(`Unexpected stat output for "${path}": ${value}`);
  const [kind, mode, uid, gid, owner, group, size] = parts as [string, string, string, string, string, string, string];
  return {
    type: STAT_TYPES[kind] ?? 'other',
    mode: mode.padStart(4, '0'),
    uid: Number(uid),
    gid: Number(gid),
    owner,
    group,
    size: Number(size),
  };
}

/** Is `content` text we can show in a diff (no NUL byte, valid UTF-8)? */
export function isText(content: Buffer): boolean {
  if (content.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    return true;
  } catch {
    return false;
  }
}
