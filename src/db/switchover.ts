/**
 * The planned switch-over (`wpha db promote --to HOST`) as pure decisions: which server is the
 * primary to fence, whether the target can take over without losing a transaction, which
 * replicas follow it, and the steps the runbook prints and runs.
 */
import { compareGtid, mergeGtid, type GtidPos } from './gtid.js';
import type { NodeAnswer, NodeView } from './node-view.js';
import { findPrimary, heldPos } from './primary.js';
import type { DbMember, ReplicationTopology } from './topology.js';

/** A runbook that will not run, and why (nothing was changed). */
export class RunbookRefusal extends Error {}

export interface SwitchoverPlan {
  primary: DbMember;
  target: DbMember;
  /** Replicas that will replicate from the target (the old primary first). */
  followers: DbMember[];
  /** Members that do not answer: `wpha apply` repoints them when they are back. */
  absent: { member: DbMember; why: string }[];
  warnings: string[];
}

const view = (answers: ReadonlyMap<string, NodeAnswer>, name: string): NodeView | undefined => {
  const a = answers.get(name);
  return a?.ok ? a.view : undefined;
};

/** Everything a replica has: applied, and received but not yet applied (its relay log). */
export function receivedPos(v: NodeView): GtidPos {
  return v.replica ? mergeGtid(heldPos(v), v.replica.gtidIoPos) : heldPos(v);
}

export function planSwitchover(topo: ReplicationTopology, answers: ReadonlyMap<string, NodeAnswer>, targetName: string): SwitchoverPlan {
  const target = topo.members.find((m) => m.name === targetName);
  if (!target) throw new RunbookRefusal(`"${targetName}" is not a member of replication group "${topo.group}" (${topo.members.map((m) => m.name).join(', ')})`);
  const verdict = findPrimary(
    topo.members.map((m) => ({ ...m, answer: answers.get(m.name) ?? { ok: false, error: 'not asked' } })),
    topo.designated,
  );
  if (verdict.kind === 'conflict') throw new RunbookRefusal(verdict.why);
  if (verdict.kind !== 'writable') throw new RunbookRefusal(`No writable primary to hand over from${'why' in verdict ? ` (${verdict.why})` : ''}: when the primary is gone, use "wpha db failover"`);
  if (verdict.name === targetName) throw new RunbookRefusal(`"${targetName}" is already the primary`);
  const primary = topo.members.find((m) => m.name === verdict.name)!;
  const t = view(answers, targetName);
  if (!t) throw new RunbookRefusal(`The target "${targetName}" does not answer: ${(answers.get(targetName) as { error?: string } | undefined)?.error ?? 'not asked'}`);
  const r = t.replica;
  if (!r || r.masterHost !== primary.address)
    throw new RunbookRefusal(`The target "${targetName}" does not replicate from the primary "${primary.name}"${r ? ` (it replicates from ${r.masterHost})` : ''}: run "wpha apply" first`);
  if (r.ioRunning !== 'Yes' || r.sqlRunning !== 'Yes')
    throw new RunbookRefusal(
      `The target "${targetName}" is not replicating (IO ${r.ioRunning}, SQL ${r.sqlRunning}${r.lastIoError ? `: ${r.lastIoError}` : ''}${r.lastSqlError ? `: ${r.lastSqlError}` : ''})`,
    );
  const p = view(answers, primary.name)!;
  const order = compareGtid(receivedPos(t), heldPos(p));
  if (order === 'ahead' || order === 'diverged')
    throw new RunbookRefusal(`The target "${targetName}" holds transactions the primary does not have (an errant GTID): it cannot take over without a divergence`);
  const warnings: string[] = [];
  if (r.secondsBehind && r.secondsBehind > 10) warnings.push(`"${targetName}" is ${r.secondsBehind} s behind: the switch waits until it applied everything`);
  const followers = [primary];
  const absent: SwitchoverPlan['absent'] = [];
  for (const m of topo.members) {
    if (m === primary || m === target) continue;
    const a = answers.get(m.name);
    if (a?.ok) followers.push(m);
    else absent.push({ member: m, why: a && !a.ok ? a.error : 'not asked' });
  }
  return { primary, target, followers, absent, warnings };
}

/** What the switch-over does, in order (printed by --dry-run and as it runs). */
export function switchoverSteps(p: SwitchoverPlan): string[] {
  return [
    `${p.primary.name}: fence the primary: read_only = ON (new writes are refused; the SQL proxy stops sending to it)`,
    `${p.primary.name}: read its final GTID position`,
    `${p.target.name}: wait until it has applied everything up to that position (MASTER_GTID_WAIT)`,
    `${p.target.name}: promote: stop replicating, semi-sync master ${p.followers.length ? 'on' : 'off (no replica to acknowledge)'}, read_only = OFF`,
    ...p.followers.map((f) => `${f.name}: replicate from ${p.target.name} (${p.target.address}) from everything it holds${f === p.primary ? ' (the old primary; semi-sync master off)' : ''}`),
    ...p.absent.map((a) => `${a.member.name}: does not answer (${a.why}): "wpha apply" repoints it when it is back`),
    'SQL proxies: wait until they send to the new primary',
  ];
}
