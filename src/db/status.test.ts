/** `wpha db status` from server views (recorded on lab hosts, then changed) and HAProxy's server state. */
import { describe, expect, it } from 'vitest';
import { EXIT_FOR, formatStatus, groupStatus, parseServersState } from './status.js';
import { answersOf, labTopology } from './testing/topology.js';
import { DOWN, fixture, primaryView, recorded, replicaView } from './testing/views.js';

describe('groupStatus', () => {
  it('a healthy group: exit 0, one row per node', () => {
    const s = groupStatus(labTopology(), recorded('probe-healthy-from-lab2.txt'), [{ proxy: 'lab1', up: ['lab1'] }]);
    expect(s.health).toBe('healthy');
    expect(EXIT_FOR[s.health]).toBe(0);
    expect(s.primary).toBe('lab1');
    expect(s.rows.map((r) => [r.host, r.role, r.readOnly, r.gtid, r.lag])).toEqual([
      ['lab1', 'primary', false, '0-2887765092-38', null],
      ['lab2', 'replica', true, '0-2887765092-38', 0],
      ['lab3', 'replica', true, '0-2887765092-38', 0],
    ]);
    expect(formatStatus(s).split('\n').slice(0, 3)).toEqual([
      'Replication group "db": healthy, primary lab1',
      'HOST  REGION  ROLE     READ_ONLY  GTID             LAG  SEMI-SYNC               REPLICATION',
      'lab1  -       primary  OFF        0-2887765092-38  -    master ON, 2 client(s)  -',
    ]);
  });

  it('degraded (exit 2): a replica down or stopped, semi-sync off, a proxy elsewhere', () => {
    const down = groupStatus(labTopology(), answersOf({ lab1: primaryView(), lab2: replicaView(), lab3: DOWN }));
    expect([down.health, down.problems]).toEqual(['degraded', [`"lab3" does not answer: ${DOWN}`]]);
    const stopped = groupStatus(labTopology(), answersOf({ lab1: primaryView(), lab2: replicaView({ io: 'No' }), lab3: replicaView() }));
    expect(stopped.problems).toEqual(['"lab2" is not replicating (IO No, SQL Yes)']);
    const async = groupStatus(labTopology(), answersOf({ lab1: primaryView({ semiSync: false, clients: 0 }), lab2: replicaView(), lab3: replicaView() }));
    expect(async.problems).toEqual(['semi-sync is off on the primary "lab1" (not enabled: no replica was connected when it opened)']);
    const proxy = groupStatus(labTopology(), recorded('probe-healthy-from-lab2.txt'), [{ proxy: 'lab2', up: [] }]);
    expect(proxy.problems).toEqual(['SQL proxy on "lab2" sends to no server, not to the primary "lab1"']);
  });

  it('error (exit 1): two writable servers, or none', () => {
    const two = groupStatus(labTopology(), answersOf({ lab1: primaryView(), lab2: primaryView(), lab3: replicaView() }));
    expect([two.health, EXIT_FOR[two.health]]).toEqual(['error', 1]);
    const none = groupStatus(labTopology(), answersOf({ lab1: DOWN, lab2: replicaView(), lab3: replicaView() }));
    expect(none.health).toBe('error');
    expect(none.problems[0]).toMatch(/^no writable primary: no server is writable and "lab1"/);
  });
});

describe('parseServersState', () => {
  it('reads the servers HAProxy sends to (recorded after a failover to lab2)', () => {
    expect(parseServersState(fixture('haproxy-servers-state.txt'))).toEqual(['lab2']);
    expect(parseServersState('1\n# be_id be_name\n')).toEqual([]);
  });
});
