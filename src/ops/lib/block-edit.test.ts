import { describe, expect, it } from 'vitest';
import { BlockMarkerError, editBlock, markerLines, type BlockEdit } from './block-edit.js';

const HOSTS = '127.0.0.1 localhost\n::1 localhost ip6-localhost\n';
const BLOCK = '172.31.250.38 lab28\n172.31.250.39 lab29';
const WITH_BLOCK = `${HOSTS}# BEGIN MANAGED BY wpha\n172.31.250.38 lab28\n172.31.250.39 lab29\n# END MANAGED BY wpha\n`;

const cases: { name: string; text: string; edit: BlockEdit; want: string | null }[] = [
  { name: 'appends at EOF by default', text: HOSTS, edit: { state: 'present', block: BLOCK }, want: WITH_BLOCK },
  { name: 'a trailing newline in the block does not matter', text: WITH_BLOCK, edit: { state: 'present', block: `${BLOCK}\n` }, want: null },
  {
    name: 'replaces the lines between markers',
    text: WITH_BLOCK,
    edit: { state: 'present', block: '172.31.250.40 lab30' },
    want: `${HOSTS}# BEGIN MANAGED BY wpha\n172.31.250.40 lab30\n# END MANAGED BY wpha\n`,
  },
  { name: 'absent removes markers and content', text: WITH_BLOCK, edit: { state: 'absent', block: '' }, want: HOSTS },
  { name: 'empty block removes too', text: WITH_BLOCK, edit: { state: 'present', block: '' }, want: HOSTS },
  { name: 'absent without a block is unchanged', text: HOSTS, edit: { state: 'absent', block: '' }, want: null },
  {
    name: 'insertbefore BOF with a custom marker',
    text: 'x\n',
    edit: { state: 'present', block: 'a', marker: '// {mark} wpha', insertbefore: 'BOF' },
    want: '// BEGIN wpha\na\n// END wpha\nx\n',
  },
  {
    name: 'insertafter the last matching line',
    text: '[a]\nk=1\n[b]\nk=2\n',
    edit: { state: 'present', block: 'x=1', insertafter: '^k=' },
    want: '[a]\nk=1\n[b]\nk=2\n# BEGIN MANAGED BY wpha\nx=1\n# END MANAGED BY wpha\n',
  },
  {
    name: 'insertbefore a pattern',
    text: 'a\n}\n',
    edit: { state: 'present', block: 'location /x {}', insertbefore: '^}' },
    want: 'a\n# BEGIN MANAGED BY wpha\nlocation /x {}\n# END MANAGED BY wpha\n}\n',
  },
  { name: 'file without final newline gets one before the block', text: 'a', edit: { state: 'present', block: 'b' }, want: 'a\n# BEGIN MANAGED BY wpha\nb\n# END MANAGED BY wpha\n' },
  {
    name: 'END marker as the last line without newline is not a change',
    text: '# BEGIN MANAGED BY wpha\nb\n# END MANAGED BY wpha',
    edit: { state: 'present', block: 'b' },
    want: null,
  },
  {
    name: 'custom BEGIN/END words',
    text: '',
    edit: { state: 'present', block: 'b', markerBegin: 'START', markerEnd: 'STOP' },
    want: '# START MANAGED BY wpha\nb\n# STOP MANAGED BY wpha\n',
  },
];

describe('editBlock', () => {
  it.each(cases)('$name', ({ text, edit, want }) => {
    const r = editBlock(text, edit);
    expect(r.text).toBe(want ?? text);
    expect(r.changed).toBe(want !== null);
    if (want !== null) expect(editBlock(r.text, edit).changed).toBe(false);
  });

  it.each([
    ['a lone BEGIN', '# BEGIN MANAGED BY wpha\nx\n', /BEGIN marker .* without its partner/],
    ['END before BEGIN', '# END MANAGED BY wpha\n# BEGIN MANAGED BY wpha\n', /comes before/],
  ])('refuses %s', (_n, text, re) => {
    expect(() => editBlock(text, { state: 'present', block: 'x' })).toThrow(BlockMarkerError);
    expect(() => editBlock(text, { state: 'present', block: 'x' })).toThrow(re);
  });

  it('builds marker lines', () => {
    expect(markerLines({ marker: '; {mark} php' })).toEqual(['; BEGIN php', '; END php']);
  });
});
