import { describe, expect, it } from 'vitest';
import { OperationError } from '../../errors.js';
import { planContext } from '../../engine/testing/run-local.js';
import type { FileState } from './file-state.js';
import { planFile, planFileAbsent, sha256Hex, type WantedFile } from './plan-file.js';

const content = Buffer.from('listen 80;\n');
const sha = sha256Hex(content);
const want = (over: Partial<WantedFile> = {}): WantedFile => ({ op: 'copy', path: '/etc/nginx/x.conf', content, attrs: {}, ...over });
const file = (over: Partial<FileState> = {}): FileState => ({
  parentExists: true,
  type: 'file',
  mode: '0644',
  uid: 0,
  gid: 0,
  owner: 'root',
  group: 'root',
  size: 11,
  sha256: sha,
  ...over,
});
const absent: FileState = { parentExists: true, type: 'absent' };

describe('planFile', () => {
  it('is unchanged when content and attributes match', () => {
    expect(planFile(want({ attrs: { mode: '0644', owner: 'root' } }), file(), planContext())).toMatchObject({ changed: false, summary: [] });
  });

  it('creates a missing file through the stage', () => {
    const p = planFile(want({ attrs: { mode: '0640', owner: 'www-data' } }), absent, planContext());
    expect(p.summary).toEqual(['create /etc/nginx/x.conf (11 bytes, mode 0640, www-data:root)']);
    expect(p.files).toEqual([{ sha256: sha, content }]);
    expect(p.apply).toBe(`wpha_put "$WPHA_STAGE"/${sha} /etc/nginx/x.conf 0640 www-data '' '' '' '' ''`);
    expect(p.warnings).toBeUndefined();
  });

  it('warns (not fails) when the directory is missing: an earlier task may create it', () => {
    const p = planFile(want(), { parentExists: false, type: 'absent' }, planContext());
    expect(p.changed).toBe(true);
    expect(p.warnings?.[0]).toContain('does not exist yet');
  });

  it('updates changed content with backup, validate and live check', () => {
    const p = planFile(want({ backup: true, validate: 'nginx -t -c %s', validateLive: 'nginx -t' }), file({ sha256: 'old', size: 5, content: Buffer.from('old\n') }), planContext({ diff: true }));
    expect(p.summary).toEqual(['update /etc/nginx/x.conf (5 bytes -> 11 bytes), keeping a backup']);
    expect(p.apply).toBe(`wpha_put "$WPHA_STAGE"/${sha} /etc/nginx/x.conf '' '' '' b 'nginx -t -c "$1"' '' 'nginx -t'`);
    expect(p.diff).toContain('-old\n+listen 80;\n');
  });

  it('only fixes attributes when the content is the same', () => {
    const p = planFile(want({ attrs: { mode: '0600', group: 'www-data' } }), file(), planContext());
    expect(p.summary).toEqual(['/etc/nginx/x.conf: group root -> www-data', '/etc/nginx/x.conf: mode 0644 -> 0600']);
    expect(p.apply).toBe(`wpha_attrs /etc/nginx/x.conf 0600 '' www-data`);
    expect(p.files).toBeUndefined();
  });

  it.each([
    [{ sensitive: true }, file({ sha256: 'o', content: Buffer.from('x') }), 'content is sensitive'],
    [{}, file({ sha256: 'o', contentSkipped: 'binary' as const }), 'old content is binary'],
    [{}, file({ sha256: 'o', contentSkipped: 'too-large' as const }), 'larger than 256 KiB'],
    [{ content: Buffer.from([0, 1]) }, absent, 'new content is binary'],
  ])('explains a missing diff %#', (over, state, why) => {
    const p = planFile(want(over), state, planContext({ diff: true }));
    expect(p.diff).toBeUndefined();
    expect(p.summary.at(-1)).toContain(why);
  });

  it('shows a creation diff against empty text', () => {
    expect(planFile(want(), absent, planContext({ diff: true })).diff).toContain('@@ -0,0 +1 @@\n+listen 80;\n');
  });

  it('guards edited content with the probed sha256 (or absence)', () => {
    expect(planFile(want({ guardProbedContent: true }), file({ sha256: 'abc' }), planContext()).apply).toMatch(/ '' abc ''$/);
    expect(planFile(want({ guardProbedContent: true }), absent, planContext()).apply).toMatch(/ '' absent ''$/);
  });

  it.each([
    [{ parentExists: true, type: 'link', linkTarget: '/x' } as FileState, /symbolic link .*follow: true/],
    [{ parentExists: true, type: 'directory' } as FileState, /not a regular file \(it is a directory\)/],
  ])('refuses %j', (state, re) => {
    expect(() => planFile(want(), state, planContext())).toThrow(OperationError);
    expect(() => planFile(want(), state, planContext())).toThrow(re);
  });

  it('writes through a followed symlink and names the real path', () => {
    const p = planFile(want({ follow: true }), file({ sha256: 'o', resolvedPath: '/etc/real.conf', linkTarget: 'real.conf' }), planContext());
    expect(p.summary[0]).toMatch(/^update \/etc\/real\.conf/);
    expect(p.apply).toContain(` /etc/nginx/x.conf '' '' '' L `);
  });
});

describe('planFileAbsent', () => {
  it('removes an existing file, ignores a missing one, refuses a directory', () => {
    expect(planFileAbsent('cron', '/etc/cron.d/x', file(), planContext())).toEqual({ changed: true, summary: ['remove /etc/cron.d/x'], apply: 'rm -f -- /etc/cron.d/x' });
    expect(planFileAbsent('cron', '/etc/cron.d/x', absent, planContext()).changed).toBe(false);
    expect(() => planFileAbsent('cron', '/etc/cron.d', file({ type: 'directory' }), planContext())).toThrow(/is a directory/);
  });
});
