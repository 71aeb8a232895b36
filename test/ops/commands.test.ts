/**
 * command and shell on a real lab host: guarded by creates / unless / removes so that they are
 * idempotent, run as another user with stdin, env and chdir, a bash script, and a failing script
 * that stops the host with its exit status and stderr. Plan runs nothing (only the read-only
 * `unless` checks); apply runs each once; a second apply runs none of them, in one round trip;
 * undoing their effect by hand makes plan show them again and apply run them again.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { ROLES, planBothWays, expectConverged, expectSuccess, labelsWith, onHost, pathsSnapshot, statuses, wpha } from './harness.js';

const DIR = '/srv/ops-cmd';
const SNAPSHOT = pathsSnapshot([DIR, '/srv/ops-flag']);
const COMMANDS = ['command with creates', 'command with unless', 'command as nobody with stdin', 'script as nobody with env', 'script with unless', 'script with removes', 'bash script'];

describe('command and shell on a lab host', () => {
  let lab: LabHosts;
  let host: string;
  let inv: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'opc');
    host = lab.hosts[0]!.name;
    inv = writeLabInventory(lab, { groups: { commands: { hosts: [0], roles: ['ops_commands'] } }, roleDirs: [ROLES] }).dir;
    await onHost(lab, host, 'touch /srv/ops-flag');
  });
  afterAll(async () => lab?.release());

  it('plan shows every command as a change and runs none', async () => {
    const before = await onHost(lab, host, SNAPSHOT);
    expect(before).toContain(`${DIR} absent`);
    const plan = await planBothWays(inv, host);
    expect(statuses(plan)).toEqual({
      'work folder': 'changed',
      'folder of nobody': 'changed',
      ...Object.fromEntries(COMMANDS.map((c) => [c, 'changed'])),
      'failing script': 'skipped',
      'after the failure': 'changed',
    });
    expect(plan.tasks.get('command as nobody with stdin')?.summary).toEqual([`run tee stdin.txt as nobody in ${DIR}/nobody`]);
    expect(plan.tasks.get('script as nobody with env')?.summary).toEqual([`run script: set -eu (+4 more lines) as nobody in ${DIR}/nobody with env GREETING, COUNT`]);
    expect(await onHost(lab, host, SNAPSHOT)).toBe(before);
  });

  it('apply runs each command once, with its user, stdin, env and folder', async () => {
    const r = await wpha('apply', inv, host);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(['work folder', 'folder of nobody', ...COMMANDS, 'after the failure']);
    expect(await onHost(lab, host, `cmp /etc/hostname ${DIR}/hostname-copy && test -e ${DIR}/created && echo ok`)).toBe('ok');
    expect(await onHost(lab, host, `stat -c '%U %a' ${DIR}/nobody/stdin.txt; cat ${DIR}/nobody/stdin.txt`)).toBe('nobody 644\nline from stdin');
    expect(await onHost(lab, host, `stat -c %U ${DIR}/nobody/shell.out; cat ${DIR}/nobody/shell.out`)).toBe(
      ['nobody', 'hello world 0', 'hello world 1', 'hello world 2', 'nobody', `${DIR}/nobody`].join('\n'),
    );
    expect(await onHost(lab, host, `cat ${DIR}/tuning.conf ${DIR}/log ${DIR}/bash.out; test -e /srv/ops-flag; echo $?`)).toBe('tuned=yes\nconsumed\n3 c\n1');
    // The copy of a become_user script in /tmp is removed after the run.
    expect(await onHost(lab, host, 'ls /tmp | grep -c wpha-shell || :')).toBe('0');
  });

  it('a second apply runs nothing, in one round trip', async () => {
    const r = await wpha('apply', inv, host);
    expectConverged(r);
    expect(await onHost(lab, host, `cat ${DIR}/tuning.conf ${DIR}/log`)).toBe('tuned=yes\nconsumed');
  });

  it('plan shows the commands whose effect was undone by hand, and apply runs exactly those again', async () => {
    await onHost(lab, host, [`rm ${DIR}/created`, `echo other > ${DIR}/hostname-copy`, "sed -i 's/tuned=yes/tuned=no/' " + `${DIR}/tuning.conf`, 'touch /srv/ops-flag'].join(' && '));
    const again = ['command with creates', 'command with unless', 'script with unless', 'script with removes'];
    const before = await onHost(lab, host, SNAPSHOT);
    const plan = await planBothWays(inv, host);
    expect(labelsWith(plan, 'changed')).toEqual(again);
    expect(await onHost(lab, host, SNAPSHOT)).toBe(before);
    const r = await wpha('apply', inv, host);
    expectSuccess(r);
    expect(labelsWith(r, 'changed')).toEqual(again);
    expect(await onHost(lab, host, `cat ${DIR}/tuning.conf ${DIR}/log; cmp /etc/hostname ${DIR}/hostname-copy && test -e ${DIR}/created && echo ok`)).toBe(
      'tuned=no\ntuned=yes\nconsumed\nconsumed\nok',
    );
    expectConverged(await wpha('apply', inv, host));
  });

  it('a failing script fails its task with the exit status and stderr, and stops the host there', async () => {
    await onHost(lab, host, `rm ${DIR}/last`);
    const r = await wpha('apply', inv, host, ['-e', 'cmd_fail=true']);
    expect(r.code).toBe(1);
    const failed = r.tasks.get('failing script');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toBe('exit 7: broken on purpose');
    expect(r.tasks.has('after the failure')).toBe(false);
    expect(await onHost(lab, host, `test -e ${DIR}/last; echo $?`)).toBe('1');
  });
});
