/**
 * The recovery planner from reports recorded on real nodes (fixtures/galera/, see its README):
 * which node bootstraps, in which order the others start, and when it refuses.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCondition, nodePosition, parseGaleraReport, type GaleraNodeReport } from './galera-report.js';
import { planRecovery, type NodeInput } from './galera-recover.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'galera');
const report = (scenario: string, host: string): GaleraNodeReport => parseGaleraReport(readFileSync(path.join(dir, scenario, `${host}.txt`), 'utf8'));
const scenario = (name: string): NodeInput[] => ['db1', 'db2', 'db3'].map((host) => ({ host, report: report(name, host) }));
const steps = (inputs: NodeInput[], arbs: string[] = []) => {
  const p = planRecovery(inputs, arbs);
  if (p.kind !== 'plan') throw new Error(`refused: ${p.reason}`);
  return p.steps.map((s) => `${s.host}: ${s.command}`);
};
const WAIT = '/usr/local/lib/wpha/galera-node wait-synced';

describe('galera-node report', () => {
  it('reads a running node, a cleanly stopped one and a crashed one', () => {
    const running = report('synced', 'db1');
    expect(nodeCondition(running)).toBe('primary');
    expect(nodePosition(running)).toEqual({ uuid: '57dee8f7-f022-11f1-aaac-6690f1909e2c', seqno: 1759, source: 'server' });
    expect(running.status?.wsrep_cluster_size).toBe('3');
    const stopped = report('all-down', 'db2');
    expect(nodeCondition(stopped)).toBe('stopped');
    expect(nodePosition(stopped)).toEqual({ uuid: '57dee8f7-f022-11f1-aaac-6690f1909e2c', seqno: 3309, source: 'grastate.dat' });
    const crashed = report('all-down', 'db1');
    expect(crashed.grastate).toEqual({ uuid: '57dee8f7-f022-11f1-aaac-6690f1909e2c', seqno: -1, safeToBootstrap: true });
    expect(nodePosition(crashed)).toEqual({ uuid: '57dee8f7-f022-11f1-aaac-6690f1909e2c', seqno: 5297, source: 'wsrep-recover' });
    expect(nodeCondition(report('one-survivor', 'db1'))).toBe('non-primary');
  });

  it('a node that never joined holds no position', () => {
    expect(nodePosition(parseGaleraReport('active=inactive\ngrastate.uuid=00000000-0000-0000-0000-000000000000\ngrastate.seqno=-1\ngrastate.safe_to_bootstrap=0\n'))).toBeUndefined();
    expect(nodePosition(parseGaleraReport('active=inactive\n'))).toBeUndefined();
  });
});

describe('planRecovery', () => {
  it('all down: bootstraps the crashed node that holds the highest position (read by wsrep-recover), then starts the others', () => {
    const p = planRecovery(scenario('all-down'));
    expect(p).toMatchObject({ kind: 'plan', bootstrap: 'db1' });
    // db1 is safe_to_bootstrap already (it was the last member): no edit of grastate.dat.
    expect(steps(scenario('all-down'))).toEqual([`db1: galera_new_cluster && ${WAIT}`, `db2: systemctl start mariadb && ${WAIT}`, `db3: systemctl start mariadb && ${WAIT}`]);
  });

  it('sets safe_to_bootstrap only on the chosen node, when Galera did not', () => {
    const inputs = scenario('all-down');
    inputs[0]!.report!.grastate!.safeToBootstrap = false;
    const s = steps(inputs);
    expect(s[0]).toMatch(/^db1: sed -i 's\/\^safe_to_bootstrap: 0\$\/safe_to_bootstrap: 1\/' \/var\/lib\/mysql\/grastate.dat/);
    expect(s.slice(1)).toEqual([`db1: galera_new_cluster && ${WAIT}`, `db2: systemctl start mariadb && ${WAIT}`, `db3: systemctl start mariadb && ${WAIT}`]);
    expect(s.filter((x) => x.includes('safe_to_bootstrap'))).toHaveLength(1);
  });

  it('never the node marked safe when another holds a higher position', () => {
    const inputs = scenario('all-down');
    inputs[0]!.report!.grastate!.safeToBootstrap = false;
    inputs[2]!.report!.grastate!.safeToBootstrap = true; // db3: seqno 2192, lowest
    expect(planRecovery(inputs)).toMatchObject({ kind: 'plan', bootstrap: 'db1' });
  });

  it('one survivor in a non-primary component at the highest position: made primary in place, no restart', () => {
    const p = planRecovery(scenario('one-survivor'), ['arb1']);
    expect(p).toMatchObject({ kind: 'plan', bootstrap: 'db1' });
    expect(steps(scenario('one-survivor'), ['arb1'])).toEqual([
      `db1: mariadb -e "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'" && ${WAIT}`,
      `db2: systemctl start mariadb && ${WAIT}`,
      `db3: systemctl start mariadb && ${WAIT}`,
      'arb1: systemctl restart garb',
    ]);
  });

  it('a primary component still runs: nothing to bootstrap, the stopped node starts', () => {
    expect(planRecovery(scenario('synced'))).toMatchObject({ kind: 'plan', steps: [] });
    const p = planRecovery(scenario('one-stopped'));
    expect(p).toMatchObject({ kind: 'plan', note: expect.stringMatching(/^"db1" is in a primary component: nothing to bootstrap/) });
    expect(p.kind === 'plan' && p.bootstrap).toBeUndefined();
    expect(steps(scenario('one-stopped'))).toEqual([`db3: systemctl start mariadb && ${WAIT}`]);
  });

  it("refuses without every node's position, with positions of two clusters, or with none", () => {
    const unreachable = scenario('all-down');
    unreachable[1] = { host: 'db2', error: 'Cannot connect: timed out' };
    expect(planRecovery(unreachable)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringMatching(/^Cannot read the state of "db2" \(Cannot connect: timed out\): the position of every node is needed/),
    });

    const split = scenario('all-down');
    split[2]!.report!.grastate!.uuid = '11111111-2222-3333-4444-555555555555';
    expect(planRecovery(split)).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/^The nodes hold positions of different clusters/) });

    const empty: NodeInput[] = ['db1', 'db2', 'db3'].map((host) => ({ host, report: parseGaleraReport('active=inactive\n') }));
    expect(planRecovery(empty)).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/^No node holds a cluster position/) });

    const starting = scenario('all-down');
    starting[1]!.report!.active = 'activating';
    expect(planRecovery(starting)).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/^"db2" is starting or not answering/) });
  });
});
