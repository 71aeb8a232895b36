/**
 * Pure block editing with Ansible `blockinfile` semantics: the block lives between a BEGIN and an
 * END marker line (`marker` with `{mark}` replaced). Present: the lines between existing markers
 * are replaced, or the whole block is inserted after the last line matching `insertafter` /
 * before the last matching `insertbefore` / at `BOF` / at `EOF` (default). Absent (or an empty
 * block): markers and everything between them are removed.
 * Unlike Ansible, a lone marker or an END before its BEGIN is an error, not silently duplicated.
 */
import { splitKeepingEnds } from './line-edit.js';
import { compileUserRegex } from './regex.js';
import type { EditResult } from './line-edit.js';

export const DEFAULT_MARKER = '# {mark} MANAGED BY wpha';

export interface BlockEdit {
  state: 'present' | 'absent';
  block: string;
  marker?: string;
  markerBegin?: string;
  markerEnd?: string;
  insertafter?: string;
  insertbefore?: string;
}

export class BlockMarkerError extends Error {}

export function markerLines(edit: Pick<BlockEdit, 'marker' | 'markerBegin' | 'markerEnd'>): [string, string] {
  const marker = edit.marker ?? DEFAULT_MARKER;
  return [marker.replaceAll('{mark}', edit.markerBegin ?? 'BEGIN'), marker.replaceAll('{mark}', edit.markerEnd ?? 'END')];
}

export function editBlock(text: string, edit: BlockEdit): EditResult {
  const lines = splitKeepingEnds(text);
  const bare = lines.map((l) => l.replace(/\r?\n$/, ''));
  const [begin, end] = markerLines(edit);
  const b = bare.lastIndexOf(begin);
  const e = bare.lastIndexOf(end);
  if (b < 0 !== e < 0) {
    throw new BlockMarkerError(`found the ${b < 0 ? 'END' : 'BEGIN'} marker line ${JSON.stringify(b < 0 ? end : begin)} without its partner; fix the file by hand`);
  }
  if (b >= 0 && e < b) throw new BlockMarkerError(`the END marker (line ${e + 1}) comes before the BEGIN marker (line ${b + 1}); fix the file by hand`);
  const found = b >= 0;
  const blockLines = edit.block === '' ? [] : edit.block.replace(/\n$/, '').split('\n');

  if (edit.state === 'absent' || blockLines.length === 0) {
    if (!found) return { text, changed: false, action: 'no block' };
    lines.splice(b, e - b + 1);
    return { text: lines.join(''), changed: true, action: `remove block (lines ${b + 1}-${e + 1})` };
  }

  const wanted = [begin, ...blockLines, end].map((l) => `${l}\n`);
  if (found) {
    const current = lines.slice(b, e + 1);
    // The END marker may be the last line without "\n": that alone is not a change.
    if (current.map((l) => l.replace(/\r?\n$/, '')).join('\n') === [begin, ...blockLines, end].join('\n')) {
      return { text, changed: false, action: 'block already present' };
    }
    if (e === lines.length - 1 && !lines[e]!.endsWith('\n')) wanted[wanted.length - 1] = end;
    lines.splice(b, e - b + 1, ...wanted);
    return { text: lines.join(''), changed: true, action: `replace block (lines ${b + 1}-${e + 1})` };
  }

  const at = insertIndex(bare, edit);
  if (at === 'EOF') {
    if (lines.length && !lines[lines.length - 1]!.endsWith('\n')) lines[lines.length - 1] += '\n';
    lines.push(...wanted);
    return { text: lines.join(''), changed: true, action: 'append block at end of file' };
  }
  lines.splice(at, 0, ...wanted);
  return { text: lines.join(''), changed: true, action: at === 0 ? 'insert block at beginning of file' : `insert block at line ${at + 1}` };
}

function insertIndex(bare: string[], edit: BlockEdit): number | 'EOF' {
  if (edit.insertbefore === 'BOF' || edit.insertafter === 'BOF') return 0;
  const pattern = edit.insertafter !== undefined && edit.insertafter !== 'EOF' ? edit.insertafter : edit.insertbefore;
  if (pattern === undefined) return 'EOF';
  const re = compileUserRegex(pattern);
  let hit = -1;
  bare.forEach((s, i) => {
    if (re.test(s)) hit = i;
  });
  if (hit < 0) return 'EOF';
  return edit.insertafter !== undefined ? hit + 1 : hit;
}
