/**
 * Pure line editing with Ansible `lineinfile` semantics, so behaviour people know carries over:
 *  - present + regexp matching: the LAST matching line is replaced by `line` (with `backrefs`,
 *    `\1`/`\g<name>` in `line` expand from that match);
 *  - otherwise, if the exact `line` is already in the file, nothing changes (with `backrefs` and
 *    no match, nothing changes either: there is nothing to expand);
 *  - otherwise `line` is inserted: after the last line matching `insertafter` (or before the last
 *    matching `insertbefore`; `firstmatch` uses the first), at `BOF`, or at `EOF` (the default,
 *    also when the insert pattern matches nothing);
 *  - absent: every line matching `regexp` (or equal to `line`) is removed.
 * Lines compare without their `\r\n`/`\n`; inserted lines end with `\n`.
 */
import { compileUserRegex, expandBackrefs } from './regex.js';

export interface LineEdit {
  state: 'present' | 'absent';
  line?: string;
  regexp?: string;
  insertafter?: string;
  insertbefore?: string;
  firstmatch?: boolean;
  backrefs?: boolean;
}

export interface EditResult {
  text: string;
  changed: boolean;
  /** What happened, for the plan summary: `replace line 12`, `insert after line 4`, `remove 2 lines`. */
  action: string;
}

/**
 * Results of recent edits, by text then edit: a fleet's hosts mostly hold the same file (php.ini,
 * ~2,000 lines, edited by several tasks), and each edit of it was a full pass over its lines per
 * host (~5 ms of controller CPU per host on the web tier's no-op). A few texts are kept, the
 * oldest dropped first; results are immutable strings and flags, shared safely.
 */
const MEMO_TEXTS = 16;
/** Larger texts are edited afresh each time: at most 16 texts of 1 Mi characters are kept. */
const MEMO_MAX_CHARS = 1 << 20;
const memo = new Map<string, Map<string, EditResult>>();

export function editLines(text: string, edit: LineEdit): EditResult {
  if (text.length > MEMO_MAX_CHARS) return editLinesOnce(text, edit);
  const key = JSON.stringify([edit.state, edit.line, edit.regexp, edit.insertafter, edit.insertbefore, edit.firstmatch, edit.backrefs]);
  let byEdit = memo.get(text);
  const known = byEdit?.get(key);
  if (known) return known;
  const result = editLinesOnce(text, edit);
  if (!byEdit) {
    if (memo.size >= MEMO_TEXTS) memo.delete(memo.keys().next().value as string);
    byEdit = new Map();
    memo.set(text, byEdit);
  }
  byEdit.set(key, result);
  return result;
}

function editLinesOnce(text: string, edit: LineEdit): EditResult {
  const lines = splitKeepingEnds(text);
  const bare = lines.map(stripEol);
  const re = edit.regexp !== undefined ? compileUserRegex(edit.regexp) : undefined;
  const matches = (s: string): boolean => (re ? re.test(s) : s === edit.line);

  if (edit.state === 'absent') {
    const kept = lines.filter((_, i) => !matches(bare[i]!));
    const removed = lines.length - kept.length;
    if (removed === 0) return { text, changed: false, action: 'no matching line' };
    return { text: kept.join(''), changed: true, action: `remove ${removed} line${removed === 1 ? '' : 's'}` };
  }

  const line = edit.line ?? '';
  if (re) {
    let last = -1;
    let m: RegExpExecArray | null = null;
    bare.forEach((s, i) => {
      const found = re.exec(s);
      if (found) {
        last = i;
        m = found;
      }
    });
    if (last >= 0) {
      const newLine = edit.backrefs && m ? expandBackrefs(line, m) : line;
      if (bare[last] === newLine) return { text, changed: false, action: 'line already present' };
      lines[last] = newLine + eolOf(lines[last]!);
      return { text: lines.join(''), changed: true, action: `replace line ${last + 1}` };
    }
    if (edit.backrefs) return { text, changed: false, action: 'regexp matched nothing (backrefs: nothing to insert)' };
  }
  if (bare.includes(line)) return { text, changed: false, action: 'line already present' };

  const at = insertIndex(bare, edit);
  if (at === 'EOF') {
    if (lines.length && eolOf(lines[lines.length - 1]!) === '') lines[lines.length - 1] += '\n';
    lines.push(`${line}\n`);
    return { text: lines.join(''), changed: true, action: 'append at end of file' };
  }
  lines.splice(at, 0, `${line}\n`);
  return { text: lines.join(''), changed: true, action: at === 0 ? 'insert at beginning of file' : `insert as line ${at + 1}` };
}

function insertIndex(bare: string[], edit: LineEdit): number | 'EOF' {
  if (edit.insertbefore === 'BOF' || edit.insertafter === 'BOF') return 0;
  const pattern = edit.insertafter !== undefined && edit.insertafter !== 'EOF' ? edit.insertafter : edit.insertbefore;
  if (pattern === undefined) return 'EOF';
  const re = compileUserRegex(pattern);
  const hits = bare.flatMap((s, i) => (re.test(s) ? [i] : []));
  if (hits.length === 0) return 'EOF';
  const hit = edit.firstmatch ? hits[0]! : hits[hits.length - 1]!;
  return edit.insertafter !== undefined ? hit + 1 : hit;
}

/** Split after each "\n"; a last line without one is kept as is. */
export function splitKeepingEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function stripEol(s: string): string {
  return s.replace(/\r?\n$/, '');
}

function eolOf(s: string): string {
  return s.endsWith('\r\n') ? '\r\n' : s.endsWith('\n') ? '\n' : '';
}
