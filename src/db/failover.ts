/**
 * `wpha db failover` as pure decisions: which server was the primary, which replica takes over
 * (the most advanced, or the one asked for), and whether it provably holds every transaction a
 * client was told was committed. The proof, when the old primary's server answers (restarted
 * read-only: its unacknowledged transactions were cut at restart, init_rpl_role), is its own
 * position. When it does not answer, the proof is semi-synchronous replication that never falls
 * back (a commit is acknowledged only after a replica received it) together with an answer from
 * every other member (so the most advanced among them holds the latest acknowledged one).
 * Without a proof the failover is refused, unless the operator accepts the loss.
 */
import { compareGtid, covers, formatGtidPos, transactionsAhead, type GtidPos } from './gtid.js';
import type { NodeAnswer, NodeView } from './node-view.js';
import { heldPos } from './primary.js';
import { receivedPos, RunbookRefusal } from './switchover.js';
import { NO_FALLBACK_MS, type DbMember, type ReplicationTopology } from './topology.js';

export interface FailoverRequest {
  /** Promote this replica (default: the most advanced one). */
  to?: string;
  /** Promote a replica of this region (two-region standby). */
  region?: string;
  acceptDataLoss: boolean;
}

export interface FailoverPlan {
  old: DbMember;
  candidate: DbMember;
  /** What the candidate holds once it has applied its relay log. */
  candidatePos: GtidPos;
  proof: { proven: boolean; why: string };
  /** Answering replicas that will follow the candidate. */
  followers: DbMember[];
  /** Answering members that hold transactions the candidate lacks: not repointed (rebuild them). */
  diverged: { member: DbMember; why: string }[];
  absent: { member: DbMember; why: string }[];
}

const viewOf = (answers: ReadonlyMap<string, NodeAnswer>, m: DbMember): NodeView | undefined => {
  const a = answers.get(m.name);
  return a?.ok ? a.view : undefined;
};
const names = (ms: readonly DbMember[]) => ms.map((m) => `"${m.name}"`).join(', ');

export function planFailover(topo: ReplicationTopology, answers: ReadonlyMap<string, NodeAnswer>, req: FailoverRequest): FailoverPlan {
  const answering = topo.members.filter((m) => viewOf(answers, m));
  const writable = answering.filter((m) => !viewOf(answers, m)!.readOnly);
  if (writable.length) throw new RunbookRefusal(`${names(writable)} is writable: the primary is up. For a planned switch use "wpha db promote --to HOST"`);
  // The old primary: the server the replicas replicate from.
  const masters = [...new Set(answering.map((m) => viewOf(answers, m)!.replica?.masterHost).filter((h): h is string => Boolean(h)))];
  if (masters.length !== 1)
    throw new RunbookRefusal(
      masters.length
        ? `The replicas replicate from different servers (${masters.join(', ')}): fix that first (wpha db status)`
        : 'No server replicates from another: there is no primary to fail over from',
    );
  const old = topo.members.find((m) => m.address === masters[0]);
  if (!old) throw new RunbookRefusal(`The replicas replicate from ${masters[0]}, which is not a member of group "${topo.group}"`);

  const replicas = answering.filter((m) => m !== old && viewOf(answers, m)!.replica);
  let pool = replicas;
  if (req.region !== undefined) {
    pool = replicas.filter((m) => m.region === req.region);
    if (!pool.length) throw new RunbookRefusal(`No answering replica in region "${req.region}" (regions: ${[...new Set(topo.members.map((m) => m.region || '(none)'))].join(', ')})`);
  }
  const pos = (m: DbMember) => receivedPos(viewOf(answers, m)!);
  let candidate: DbMember | undefined;
  if (req.to) {
    candidate = pool.find((m) => m.name === req.to);
    if (!candidate) throw new RunbookRefusal(`"${req.to}" is not an answering replica${req.region !== undefined ? ` of region "${req.region}"` : ''} (candidates: ${names(pool) || 'none'})`);
  } else {
    const best = pool.filter((a) => pool.every((b) => covers(pos(a), pos(b))));
    if (!best.length)
      throw new RunbookRefusal(
        `The replicas hold diverging transactions (${pool.map((m) => `${m.name} ${formatGtidPos(pos(m))}`).join(', ')}): no one can take over without losing some; choose with --to and --accept-data-loss`,
      );
    candidate = best.find((m) => m.region === old.region) ?? best[0]!;
  }
  const candidatePos = pos(candidate);

  const proof = prove(topo, answers, old, candidate, candidatePos, answering);
  if (!proof.proven && !req.acceptDataLoss) throw new RunbookRefusal(`Refusing to fail over to "${candidate.name}": ${proof.why}. Nothing was changed. Pass --accept-data-loss to promote it anyway`);

  const followers: DbMember[] = [];
  const diverged: FailoverPlan['diverged'] = [];
  for (const m of answering) {
    if (m === candidate || m === old) continue;
    const order = compareGtid(pos(m), candidatePos);
    if (order === 'ahead' || order === 'diverged') diverged.push({ member: m, why: `it holds ${transactionsAhead(pos(m), candidatePos)} transaction(s) "${candidate.name}" lacks` });
    else followers.push(m);
  }
  const absent = topo.members.filter((m) => m !== old && !viewOf(answers, m)).map((m) => ({ member: m, why: (answers.get(m.name) as { error?: string } | undefined)?.error ?? 'not asked' }));
  return { old, candidate, candidatePos, proof, followers, diverged, absent };
}

function prove(topo: ReplicationTopology, answers: ReadonlyMap<string, NodeAnswer>, old: DbMember, candidate: DbMember, candidatePos: GtidPos, answering: DbMember[]): FailoverPlan['proof'] {
  const o = viewOf(answers, old);
  if (o) {
    const committed = heldPos(o);
    if (covers(candidatePos, committed))
      return { proven: true, why: `the old primary "${old.name}" answers (read-only) and "${candidate.name}" holds everything it committed (${formatGtidPos(committed) || 'nothing'})` };
    return {
      proven: false,
      why: `the old primary "${old.name}" committed ${transactionsAhead(committed, candidatePos)} transaction(s) "${candidate.name}" does not hold (${formatGtidPos(committed)} against ${formatGtidPos(candidatePos)}); reopen it instead with "wpha apply", or promote it with "wpha db promote"`,
    };
  }
  const missing: string[] = [];
  const fallback = answering.filter((m) => viewOf(answers, m)!.semiSync.masterTimeoutMs < NO_FALLBACK_MS);
  if (fallback.length || topo.semiSyncTimeoutMs < NO_FALLBACK_MS)
    missing.push(`semi-sync may fall back to asynchronous after ${topo.semiSyncTimeoutMs} ms (mariadb_semi_sync_timeout_ms), so the primary may have acknowledged transactions no replica received`);
  const silent = topo.members.filter((m) => m !== old && !viewOf(answers, m));
  if (silent.length) missing.push(`${names(silent)} does not answer and may hold the latest acknowledged transactions`);
  const ahead = answering.filter((m) => m !== old && m !== candidate && !covers(candidatePos, receivedPos(viewOf(answers, m)!)));
  if (ahead.length) missing.push(`${names(ahead)} received transactions "${candidate.name}" does not hold`);
  if (missing.length)
    return { proven: false, why: `the old primary "${old.name}" does not answer and no proof remains that "${candidate.name}" holds every acknowledged transaction: ${missing.join('; ')}` };
  return {
    proven: true,
    why: `the old primary "${old.name}" does not answer; it acknowledged a commit only after a replica received it (semi-sync, no fallback), every replica answered, and "${candidate.name}" holds all they received (${formatGtidPos(candidatePos) || 'nothing'})`,
  };
}

export function failoverSteps(p: FailoverPlan, hook: string | undefined): string[] {
  return [
    `${p.candidate.name}: wait until it has applied everything it received (${formatGtidPos(p.candidatePos) || 'nothing'})`,
    `${p.candidate.name}: promote: stop replicating, semi-sync master ${p.followers.length ? 'on' : 'off (no replica to acknowledge)'}, read_only = OFF`,
    ...p.followers.map((f) => `${f.name}: replicate from ${p.candidate.name} (${p.candidate.address})`),
    ...p.diverged.map((d) => `${d.member.name}: NOT repointed: ${d.why} (rebuild it: see docs/database.md)`),
    ...p.absent.map((a) => `${a.member.name}: does not answer (${a.why}): "wpha apply" makes it a replica when it is back`),
    'SQL proxies: wait until they send to the new primary',
    ...(hook ? [`switch command: ${hook}`] : []),
    `${p.old.name} (the old primary): when it is back, "wpha apply" makes it a replica of ${p.candidate.name}`,
  ];
}
