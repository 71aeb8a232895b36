/** The planned switch-over's decisions and steps. */
import { describe, expect, it } from 'vitest';
import { planSwitchover, switchoverSteps } from './switchover.js';
import { answersOf, labTopology } from './testing/topology.js';
import { DOWN, primaryView, recorded, replicaView } from './testing/views.js';

describe('planSwitchover', () => {
  it('fences the primary, promotes the target, repoints the old primary first', () => {
    const p = planSwitchover(labTopology(), recorded('probe-healthy-from-lab2.txt'), 'lab2');
    expect([p.primary.name, p.target.name, p.followers.map((f) => f.name)]).toEqual(['lab1', 'lab2', ['lab1', 'lab3']]);
    expect(switchoverSteps(p)).toEqual([
      'lab1: fence the primary: read_only = ON (new writes are refused; the SQL proxy stops sending to it)',
      'lab1: read its final GTID position',
      'lab2: wait until it has applied everything up to that position (MASTER_GTID_WAIT)',
      'lab2: promote: stop replicating, semi-sync master on, read_only = OFF',
      'lab1: replicate from lab2 (172.31.204.101) from everything it holds (the old primary; semi-sync master off)',
      'lab3: replicate from lab2 (172.31.204.101) from everything it holds',
      'SQL proxies: wait until they send to the new primary',
    ]);
  });

  it('leaves a member that does not answer to the next apply', () => {
    const p = planSwitchover(labTopology(), answersOf({ lab1: primaryView(), lab2: replicaView(), lab3: DOWN }), 'lab2');
    expect(p.absent.map((a) => a.member.name)).toEqual(['lab3']);
    expect(switchoverSteps(p)).toContain(`lab3: does not answer (${DOWN}): "wpha apply" repoints it when it is back`);
  });

  it.each([
    ['lab9', { lab1: primaryView(), lab2: replicaView(), lab3: replicaView() }, '"lab9" is not a member of replication group "db" (lab1, lab2, lab3)'],
    ['lab1', { lab1: primaryView(), lab2: replicaView(), lab3: replicaView() }, '"lab1" is already the primary'],
    ['lab2', { lab1: DOWN, lab2: replicaView(), lab3: replicaView() }, 'No writable primary to hand over from'],
    ['lab2', { lab1: primaryView(), lab2: replicaView({ of: 'lab3' }), lab3: replicaView() }, 'The target "lab2" does not replicate from the primary "lab1" (it replicates from 172.31.204.102)'],
    ['lab2', { lab1: primaryView(), lab2: replicaView({ io: 'Connecting' }), lab3: replicaView() }, 'The target "lab2" is not replicating (IO Connecting, SQL Yes)'],
    ['lab2', { lab1: primaryView({ binlog: '0-2887765092-38' }), lab2: replicaView({ pos: '0-2887765093-39' }), lab3: replicaView() }, 'holds transactions the primary does not have'],
  ])('refuses to promote %s when it cannot take over cleanly', (target, views, message) => {
    expect(() => planSwitchover(labTopology(), answersOf(views), target)).toThrow(message);
  });
});
