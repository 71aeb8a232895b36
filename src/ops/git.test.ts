/**
 * git: arguments, the probe's parser and the planner from fixtures, then real clones on this
 * machine in the engine's script, from a repository made here with two tags and a branch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converge, planContext, removeTempDir, runApplyInEngineScript, runProbeInEngineScript, tempDir } from '../engine/testing/run-local.js';
import { sha256Hex } from './lib/index.js';
import gitOp, { displayRepo, GIT_STAMP, parseGit, planGit, type GitPrepared } from './git.js';

const tmp = tempDir('wpha-git-');
afterAll(() => removeTempDir(tmp));
const messages = (raw: Record<string, unknown>) => {
  const r = gitOp.args.safeParse({ repo: 'https://git.example.net/site.git', ref: 'v1', dest: '/opt/site/v1', ...raw });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('git: arguments, parser and planner', () => {
  it('refuses what could become an option or a second word', () => {
    expect(messages({})).toEqual([]);
    expect(messages({ repo: '--upload-pack=touch /tmp/x' })).toEqual(['repo: must not contain whitespace', 'repo: must not start with "-"']);
    expect(messages({ ref: '-f' })).toEqual(['ref: must be a commit, tag or branch name (no whitespace, no leading "-", no "..")']);
    expect(messages({ ref: 'v1 v2' })).toHaveLength(1);
    expect(messages({ dest: '/' })).toEqual(['dest: must not be "/"']);
    expect(messages({ dest: 'site' })).toHaveLength(1);
  });

  it('masks credentials in URLs only', () => {
    expect(displayRepo('https://deploy:s3cret@git.example.net/site.git')).toBe('https://***@git.example.net/site.git');
    expect(displayRepo('git@git.example.net:shop/site.git')).toBe('git@git.example.net:shop/site.git');
    expect(displayRepo('/srv/git/site.git')).toBe('/srv/git/site.git');
  });

  it('parses the probe and plans: same source unchanged, foreign folder refused', () => {
    const a: GitPrepared = { repo: 'https://u:pw@git.example.net/site.git', ref: 'v2', dest: '/opt/site', timeout: 600, source: sha256Hex('x') };
    expect(parseGit({ stdout: `directory\nsource=${a.source}\ncommit=${'c'.repeat(40)}\n`, rc: 0 })).toEqual({ type: 'directory', source: a.source, commit: 'c'.repeat(40) });
    expect(parseGit({ stdout: 'directory\n', rc: 0 })).toEqual({ type: 'directory' });
    expect(parseGit({ stdout: 'absent\n', rc: 0 })).toEqual({ type: 'absent' });
    expect(() => parseGit({ stdout: 'oops', rc: 1 })).toThrow(/Unexpected git probe output/);
    expect(planGit(a, { type: 'directory', source: a.source }, planContext())).toEqual({ changed: false, summary: [] });
    expect(planGit(a, { type: 'absent' }, planContext()).summary).toEqual(['check out https://***@git.example.net/site.git at v2 into /opt/site']);
    expect(planGit(a, { type: 'directory', source: 'f'.repeat(64), commit: 'a'.repeat(40) }, planContext()).summary).toEqual([
      `replace /opt/site (commit ${'a'.repeat(12)}) with https://***@git.example.net/site.git at v2`,
    ]);
    expect(planGit(a, { type: 'absent' }, planContext()).apply).not.toContain('u:pw@git.example.net/site.git"');
    expect(() => planGit(a, { type: 'directory' }, planContext())).toThrow(/is a folder that the git operation did not make/);
    expect(() => planGit(a, { type: 'link' }, planContext())).toThrow(/exists and is not a folder \(it is a symbolic link\)/);
  });
});

describe('git: on this machine, in the engine script', () => {
  const repo = join(tmp, 'repo');
  const commits: Record<string, string> = {};
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-C', repo, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  const run = (raw: Record<string, unknown>) => converge(gitOp, raw, { engine: true, scratch: tmp });

  beforeAll(() => {
    mkdirSync(join(repo, 'mu-plugins'), { recursive: true });
    git('init', '-q', '-b', 'main');
    for (const v of ['v1', 'v2']) {
      writeFileSync(join(repo, 'mu-plugins/site.php'), `<?php // ${v}\n`);
      if (v === 'v1') writeFileSync(join(repo, 'old.txt'), 'only in v1\n');
      else git('rm', '-q', 'old.txt');
      git('add', '-A');
      git('commit', '-qm', v);
      git('tag', v);
      commits[v] = git('rev-parse', 'HEAD');
    }
  });

  it('checks a tag out without .git, stamps the commit, then changes nothing', () => {
    const dest = join(tmp, 'opt1/site/v1');
    const r = run({ repo, ref: 'v1', dest });
    expect(r.applied).toMatchObject({ rc: 0, stderr: '' });
    expect(r.replan?.changed).toBe(false);
    expect(readFileSync(join(dest, 'mu-plugins/site.php'), 'utf8')).toBe('<?php // v1\n');
    expect(existsSync(join(dest, 'old.txt'))).toBe(true);
    expect(existsSync(join(dest, '.git'))).toBe(false);
    expect(readFileSync(join(dest, GIT_STAMP), 'utf8')).toBe(`source=${r.args.source}\ncommit=${commits.v1}\n`);
    expect(readdirSync(join(tmp, 'opt1/site'))).toEqual(['v1']);
  });

  it('moves dest to another ref whole (a removed file is gone); a branch and a commit work too', () => {
    const dest = join(tmp, 'opt2/site');
    expect(run({ repo, ref: 'v1', dest }).applied?.rc).toBe(0);
    const r = run({ repo, ref: 'main', dest });
    expect(r.plan.summary[0]).toMatch(new RegExp(`^replace ${dest} \\(commit ${commits.v1!.slice(0, 12)}\\) with `));
    expect(r.applied?.rc).toBe(0);
    expect(existsSync(join(dest, 'old.txt'))).toBe(false);
    expect(readFileSync(join(dest, GIT_STAMP), 'utf8')).toContain(`commit=${commits.v2}`);
    const byCommit = run({ repo, ref: commits.v1!.slice(0, 10), dest });
    expect(byCommit.applied?.rc).toBe(0);
    expect(readFileSync(join(dest, 'mu-plugins/site.php'), 'utf8')).toBe('<?php // v1\n');
    expect(readdirSync(join(tmp, 'opt2'))).toEqual(['site']);
  });

  it('an unknown ref or repository fails saying so, and leaves dest as it was', () => {
    const dest = join(tmp, 'opt3/site');
    expect(run({ repo, ref: 'v2', dest }).applied?.rc).toBe(0);
    for (const [raw, msg] of [
      [{ repo, ref: 'v9', dest }, `ref "v9" is not in "${repo}"`],
      [{ repo: join(tmp, 'nothing-here'), ref: 'v1', dest }, `cannot clone "${join(tmp, 'nothing-here')}"`],
    ] as const) {
      const a = gitOp.prepare!(gitOp.args.parse(raw), undefined as never);
      const plan = gitOp.plan(a, gitOp.parse(runProbeInEngineScript(gitOp, a), a), planContext());
      const r = runApplyInEngineScript(gitOp, plan);
      expect(r.rc).not.toBe(0);
      expect(r.stderr).toContain(msg);
      expect(readFileSync(join(dest, 'mu-plugins/site.php'), 'utf8')).toBe('<?php // v2\n');
      expect(readdirSync(join(tmp, 'opt3'))).toEqual(['site']);
    }
  });
});
