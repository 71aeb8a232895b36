import { describe, it, expect } from 'vitest';
import type { TaskSpec } from '../model.js';
import type { Step } from './steps.js';
import { holdsBack, joinableTasks, type LaterTask } from './join-steps.js';
import aptOp, { joinInstalls, aptArgs } from '../ops/apt.js';
import serviceOp from '../ops/service.js';
import { parseAptProbe } from '../ops/apt-state.js';

const task = (op: string, name: string, over: Partial<TaskSpec> = {}): TaskSpec => ({
  id: `r/${name}`,
  role: 'r',
  name,
  op,
  args: {},
  loopVar: 'item',
  notify: [],
  tags: [],
  runOnce: false,
  location: { file: 'role.yaml', line: 1, col: 1 },
  ...over,
});
const steps = (t: TaskSpec, resources: string[]): Step[] => [{ key: 't1', taskIndex: 1, task: t, label: t.name, op: aptOp, args: {}, resources, barrier: false, scope: {} }];
let n = 0;
const at = (t: TaskSpec, resources: string[] = []): LaterTask => ({ index: ++n, task: t, kind: 'steps', steps: steps(t, resources) });

describe('which later installs may join an earlier one', () => {
  it('joins installs across tasks that only write files or drive services', () => {
    const r = joinableTasks('apt', [
      at(task('template', 'php settings'), ['/etc/php/8.2/fpm/conf.d/90-wpha.ini']),
      // the service op's own resources: its unit file and drop-in folder (read, never written)
      at(task('service', 'php-fpm running'), serviceOp.resources(serviceOp.args.parse({ name: 'php8.2-fpm', state: 'started', enabled: true }))),
      at(task('apt', 'nginx packages'), ['pkg:nginx']),
      { index: 99, task: task('shell', 'tarball check'), kind: 'skip' },
      at(task('apt', 'curl'), ['pkg:curl']),
    ]);
    expect(r.tasks.map((t) => t.task.name)).toEqual(['nginx packages', 'curl']);
    expect(r.stoppedBy).toBeUndefined();
  });

  it('stops at a repository or key added, apt or debconf settings, a preseed, a drop-in', () => {
    expect(holdsBack(at(task('apt_repository', 'repo')))).toMatch(/may change what an install does/);
    expect(holdsBack(at(task('apt_key', 'key')))).toMatch(/may change what an install does/);
    expect(holdsBack(at(task('template', 'auto upgrades'), ['/etc/apt/apt.conf.d/20auto-upgrades']))).toBe('task "auto upgrades" writes /etc/apt/apt.conf.d/20auto-upgrades, which installs read');
    expect(holdsBack(at(task('copy', 'preseed'), ['/var/cache/debconf/wpha.seed']))).toMatch(/which installs read/);
    expect(holdsBack(at(task('copy', 'no start'), ['/usr/sbin/policy-rc.d']))).toMatch(/which installs read/);
    expect(holdsBack(at(task('template', 'limits'), ['/etc/systemd/system/mariadb.service.d/limits.conf']))).toMatch(/which installs read/);
    expect(holdsBack(at(task('command', 'debconf-set-selections')))).toMatch(/may change what an install does/);
    expect(holdsBack(at(task('user', 'warmer account')))).toMatch(/may change what an install does/);
    // a path that only starts like a guarded folder is not in it
    expect(holdsBack(at(task('file', 'aptly'), ['/etc/aptly.conf']))).toBeUndefined();
  });

  it('stops at a task decided later (a when on a result registered in between), and never moves a task that registers', () => {
    const deferred = joinableTasks('apt', [{ index: 5, task: task('apt', 'git', { when: 'out.rc == 0' }), kind: 'defer' }, at(task('apt', 'curl'))]);
    expect(deferred.tasks).toEqual([]);
    expect(deferred.stoppedBy).toMatch(/cannot move/);
    const registers = joinableTasks('apt', [at(task('apt', 'git', { register: 'git_install' })), at(task('apt', 'curl'))]);
    expect(registers.tasks).toEqual([]);
    expect(joinableTasks('apt', [at(task('file', 'x'), ['/srv/x']), at(task('flush_handlers', 'flush')), at(task('apt', 'curl'))]).stoppedBy).toBe('flush_handlers');
    expect(joinableTasks('apt', [at(task('apt', 'other host', { delegateTo: 'db1' }))]).tasks).toEqual([]);
  });
});

describe('apt: two installs as one transaction', () => {
  const state = (lines: string) => parseAptProbe({ stdout: lines, rc: 0 });
  // packages never installed: dpkg-query prints nothing for them
  const probe = (_pkgs: string[]) => `@now 1790000000\n@lists 1789999000\n`;

  it('joins present installs with the same options, and plans one apt-get for both', () => {
    const a = { args: aptArgs().parse({ name: ['php8.2-fpm'] }), state: state(probe(['php8.2-fpm'])) };
    const b = { args: aptArgs().parse({ name: ['nginx', 'php8.2-fpm'] }), state: state(probe(['nginx'])) };
    const j = joinInstalls(a, b)!;
    expect(j.args.name).toEqual(['php8.2-fpm', 'nginx']);
    const plan = aptOp.plan(j.args, j.state, { host: 'web1', facts: {} as never, check: false, diff: false });
    expect(plan.changed).toBe(true);
    expect(plan.apply!.match(/apt-get [^\n]* install /g)).toHaveLength(1);
    expect(plan.apply).toMatch(/install -- 'php8\.2-fpm' 'nginx'|install -- php8\.2-fpm nginx/);
  });

  it('keeps apart what differs: recommends, list refresh settings, latest, removals', () => {
    const base = { args: aptArgs().parse({ name: ['a1'] }), state: state(probe(['a1'])) };
    for (const other of [
      { name: ['b1'], install_recommends: true },
      { name: ['b1'], cache_valid_time: 60 },
      { name: ['b1'], update_cache: false },
      { name: ['b1'], state: 'latest' },
      { name: ['b1'], state: 'absent' },
    ]) {
      expect(joinInstalls(base, { args: aptArgs().parse(other), state: state(probe(['b1'])) })).toBeUndefined();
    }
  });
});
