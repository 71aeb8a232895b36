/**
 * The failover's choice and its proof that no acknowledged transaction is lost, for the states
 * a primary's death leaves behind (views recorded on lab hosts, then changed).
 */
import { describe, expect, it } from 'vitest';
import { formatGtidPos } from './gtid.js';
import { failoverSteps, planFailover } from './failover.js';
import { answersOf, labTopology } from './testing/topology.js';
import { DOWN, primaryView, replicaView } from './testing/views.js';

const ok = { acceptDataLoss: false };
// lab1 was the primary; its replicas received up to 40 (lab2) and 38 (lab3).
const afterKill = () => answersOf({ lab1: DOWN, lab2: replicaView({ pos: '0-2887765092-40' }), lab3: replicaView({ pos: '0-2887765092-38' }) });

describe('planFailover', () => {
  it('promotes the most advanced replica: semi-sync without fallback and every replica answering prove nothing acknowledged is lost', () => {
    const p = planFailover(labTopology(), afterKill(), ok);
    expect([p.old.name, p.candidate.name, formatGtidPos(p.candidatePos), p.followers.map((f) => f.name)]).toEqual(['lab1', 'lab2', '0-2887765092-40', ['lab3']]);
    expect(p.proof).toEqual({
      proven: true,
      why: 'the old primary "lab1" does not answer; it acknowledged a commit only after a replica received it (semi-sync, no fallback), every replica answered, and "lab2" holds all they received (0-2887765092-40)',
    });
    expect(failoverSteps(p, undefined)[0]).toBe('lab2: wait until it has applied everything it received (0-2887765092-40)');
  });

  it('counts what a replica received but has not applied yet (its relay log)', () => {
    const lagging = replicaView({ pos: '0-2887765092-30' });
    lagging.replica!.gtidIoPos = new Map([[0, { domain: 0, server: 2887765092, seq: 45 }]]);
    const p = planFailover(labTopology(), answersOf({ lab1: DOWN, lab2: replicaView({ pos: '0-2887765092-40' }), lab3: lagging }), ok);
    expect([p.candidate.name, formatGtidPos(p.candidatePos)]).toEqual(['lab3', '0-2887765092-45']);
  });

  it('refuses without a proof: a replica does not answer, or semi-sync may have fallen back', () => {
    const silent = answersOf({ lab1: DOWN, lab2: replicaView({ pos: '0-2887765092-40' }), lab3: DOWN });
    expect(() => planFailover(labTopology(), silent, ok)).toThrow(
      /Refusing to fail over to "lab2": .*"lab3" does not answer and may hold the latest acknowledged transactions\. Nothing was changed\. Pass --accept-data-loss/,
    );
    expect(() => planFailover(labTopology({ semiSyncTimeoutMs: 10000 }), afterKill(), ok)).toThrow('semi-sync may fall back to asynchronous after 10000 ms');
    const forced = planFailover(labTopology(), silent, { acceptDataLoss: true });
    expect([forced.candidate.name, forced.proof.proven, forced.absent.map((a) => a.member.name)]).toEqual(['lab2', false, ['lab3']]);
  });

  it("uses the old primary's own position when it answers (restarted read-only)", () => {
    const back = (committed: string) =>
      answersOf({ lab1: primaryView({ readOnly: true, binlog: committed }), lab2: replicaView({ pos: '0-2887765092-40' }), lab3: replicaView({ pos: '0-2887765092-38' }) });
    expect(planFailover(labTopology(), back('0-2887765092-39'), ok).proof).toMatchObject({ proven: true, why: expect.stringContaining('holds everything it committed (0-2887765092-39)') });
    expect(() => planFailover(labTopology(), back('0-2887765092-42'), ok)).toThrow('the old primary "lab1" committed 2 transaction(s) "lab2" does not hold');
  });

  it('refuses while the primary is writable, and when the replicas follow different servers', () => {
    expect(() => planFailover(labTopology(), answersOf({ lab1: primaryView(), lab2: replicaView(), lab3: replicaView() }), ok)).toThrow('"lab1" is writable: the primary is up');
    expect(() => planFailover(labTopology(), answersOf({ lab1: DOWN, lab2: replicaView(), lab3: replicaView({ of: 'lab2' }) }), ok)).toThrow('The replicas replicate from different servers');
  });

  it('--to a less advanced replica needs --accept-data-loss; a replica holding more is not repointed', () => {
    expect(() => planFailover(labTopology(), afterKill(), { to: 'lab3', acceptDataLoss: false })).toThrow('"lab2" received transactions "lab3" does not hold');
    const p = planFailover(labTopology(), afterKill(), { to: 'lab3', acceptDataLoss: true });
    expect(p.diverged).toEqual([{ member: expect.objectContaining({ name: 'lab2' }), why: 'it holds 2 transaction(s) "lab3" lacks' }]);
    expect(failoverSteps(p, undefined)).toContain('lab2: NOT repointed: it holds 2 transaction(s) "lab3" lacks (rebuild it: see docs/database.md)');
  });

  it('--to-region promotes a replica of the standby region and runs the switch command last but one', () => {
    const topo = labTopology({}, { lab1: 'paris', lab2: 'paris', lab3: 'dr' });
    // The primary region is gone: lab1 and lab2 do not answer.
    const gone = answersOf({ lab1: DOWN, lab2: DOWN, lab3: replicaView({ pos: '0-2887765092-38' }) });
    expect(() => planFailover(topo, gone, { region: 'dr', acceptDataLoss: false })).toThrow('"lab2" does not answer');
    const p = planFailover(topo, gone, { region: 'dr', acceptDataLoss: true });
    expect([p.candidate.name, p.candidate.region]).toEqual(['lab3', 'dr']);
    const steps = failoverSteps(p, './switch-dns.sh');
    expect(steps.slice(-2)).toEqual(['switch command: ./switch-dns.sh', 'lab1 (the old primary): when it is back, "wpha apply" makes it a replica of lab3']);
    expect(() => planFailover(topo, gone, { region: 'tokyo', acceptDataLoss: true })).toThrow('No answering replica in region "tokyo" (regions: paris, dr)');
  });
});
