/**
 * Who is the primary of a replication group, from what the servers say (never from the
 * inventory alone: a promotion must survive a re-apply). Every node keeps `read_only = ON` in its
 * file; only the current primary is opened at runtime. So:
 *   - exactly one writable server: that is the primary (two: a split brain, refused);
 *   - none writable (the primary restarted, or the group is new): a group where no server ever
 *     replicated or holds transactions is new, and the inventory's starting primary opens; else
 *     the primary is the server that replicates from nobody, holds every transaction any server
 *     holds, and is the one the replicas follow; when a server does not answer, nobody can tell.
 */
import { compareGtid, covers, mergeGtid, type GtidPos } from './gtid.js';
import type { NodeAnswer, NodeView } from './node-view.js';

export interface Member {
  name: string;
  address: string;
  answer: NodeAnswer;
}

export type PrimaryVerdict =
  | { kind: 'writable'; name: string }
  | { kind: 'closed'; name: string; why: string }
  | { kind: 'fresh'; name: string }
  | { kind: 'unknown'; why: string }
  | { kind: 'conflict'; names: string[]; why: string };

/** The server refused the replication user: it never received the primary's users (a new server). */
export function refusedUser(a: NodeAnswer): boolean {
  return !a.ok && /\bERROR 1045\b/.test(a.error);
}

/** Everything a server holds: its binary log and what it applied as a replica. */
export function heldPos(v: NodeView): GtidPos {
  return mergeGtid(v.gtidBinlogPos, v.gtidCurrentPos);
}

/** A server that never replicated and holds no transaction. */
export function isEmpty(v: NodeView): boolean {
  return !v.replica && heldPos(v).size === 0;
}

const viewOf = (m: Member): NodeView | undefined => (m.answer.ok ? m.answer.view : undefined);

export function findPrimary(members: readonly Member[], designated: string): PrimaryVerdict {
  const answered = members.filter((m) => m.answer.ok);
  const writable = answered.filter((m) => !viewOf(m)!.readOnly);
  if (writable.length > 1) {
    const names = writable.map((m) => m.name);
    return { kind: 'conflict', names, why: `${names.map((n) => `"${n}"`).join(' and ')} are both writable (read_only=0): fence one with "wpha db promote --to <the right one>"` };
  }
  if (writable.length === 1) return { kind: 'writable', name: writable[0]!.name };

  const start = members.find((m) => m.name === designated);
  const setUp = answered.filter((m) => m.name !== designated && !isEmpty(viewOf(m)!));
  if (start && viewOf(start) && !viewOf(start)!.replica && setUp.length === 0) return { kind: 'fresh', name: designated };

  const silent = members.filter((m) => !m.answer.ok && !refusedUser(m.answer));
  if (silent.length) {
    return {
      kind: 'unknown',
      why: `no server is writable and ${silent.map((m) => `"${m.name}" (${(m.answer as { error: string }).error})`).join(', ')} does not answer: it may hold later transactions`,
    };
  }
  // Servers that replicate from nobody and hold every transaction any server holds (an empty
  // server holds nothing: it was never a primary).
  const holders = answered.filter((m) => !isEmpty(viewOf(m)!) && !viewOf(m)!.replica && answered.every((o) => covers(heldPos(viewOf(m)!), heldPos(viewOf(o)!))));
  const followers = (m: Member) => answered.filter((o) => viewOf(o)!.replica?.masterHost === m.address).length;
  const ranked = [...holders].sort((a, b) => followers(b) - followers(a));
  const best = ranked[0];
  if (!best) {
    const ahead = answered.filter((m) => answered.every((o) => covers(heldPos(viewOf(m)!), heldPos(viewOf(o)!)))).map((m) => m.name);
    const who = ahead.length ? `the most advanced is ${ahead.map((n) => `"${n}"`).join(', ')}, a replica` : 'no server holds every transaction of the others';
    return { kind: 'unknown', why: `no server is writable and none can reopen by itself: ${who}; choose with "wpha db promote --to HOST" or "wpha db failover"` };
  }
  if (ranked.length > 1 && followers(ranked[1]!) === followers(best) && !(best.name === designated)) {
    const tied = ranked.filter((m) => followers(m) === followers(best)).map((m) => m.name);
    if (!tied.includes(designated))
      return { kind: 'unknown', why: `no server is writable and ${tied.map((n) => `"${n}"`).join(', ')} could each be the primary; choose with "wpha db promote --to HOST"` };
    return { kind: 'closed', name: designated, why: 'it holds every transaction, replicates from nobody, and is the starting primary' };
  }
  return { kind: 'closed', name: best.name, why: `it holds every transaction, replicates from nobody${followers(best) ? ` and ${followers(best)} replica(s) follow it` : ''}` };
}

export type NodeAction =
  | { kind: 'primary' }
  | { kind: 'open'; bootstrap: boolean; why: string }
  | { kind: 'replica'; of: Member; setup: 'none' | 'start' | 'repoint' }
  | { kind: 'seed'; why: string }
  | { kind: 'keep'; why: string }
  | { kind: 'refuse'; why: string };

/** What this node must become, given every member's answer (self included) and the starting primary. */
export function decideNode(self: string, members: readonly Member[], designated: string): NodeAction {
  const me = members.find((m) => m.name === self);
  if (!me) throw new Error(`Internal error: "${self}" is not a member`);
  if (!me.answer.ok) return { kind: 'refuse', why: `MariaDB on this host does not answer: ${me.answer.error}` };
  const mine = me.answer.view;
  const verdict = findPrimary(members, designated);
  switch (verdict.kind) {
    case 'conflict':
      return { kind: 'refuse', why: verdict.why };
    case 'fresh':
      if (verdict.name === self) return { kind: 'open', bootstrap: true, why: 'a new group: this is its starting primary' };
      return { kind: 'seed', why: 'a new group: this replica starts from a copy of the primary' };
    case 'unknown':
      if (mine.replica) return { kind: 'keep', why: verdict.why };
      if (isEmpty(mine) && self !== designated) return { kind: 'seed', why: 'an empty server: it starts from a copy of the primary once one is writable' };
      return { kind: 'refuse', why: verdict.why };
    case 'closed':
    case 'writable': {
      if (verdict.name === self) return verdict.kind === 'writable' ? { kind: 'primary' } : { kind: 'open', bootstrap: false, why: verdict.why };
      const primary = members.find((m) => m.name === verdict.name)!;
      return replicaOf(mine, primary);
    }
  }
}

function replicaOf(mine: NodeView, primary: Member): NodeAction {
  const p = primary.answer.ok ? primary.answer.view : undefined;
  if (isEmpty(mine)) return { kind: 'seed', why: `an empty server: it starts from a copy of "${primary.name}"` };
  const r = mine.replica;
  if (r && r.masterHost === primary.address) {
    if (r.lastSqlErrno) return { kind: 'refuse', why: `replication from "${primary.name}" stopped on error ${r.lastSqlErrno}: ${r.lastSqlError}` };
    if (r.lastIoErrno === 1236) return { kind: 'refuse', why: `"${primary.name}" cannot send what this server asks for (error 1236): ${r.lastIoError}` };
    if (r.ioRunning === 'No' || r.sqlRunning === 'No') return { kind: 'replica', of: primary, setup: 'start' };
    return { kind: 'replica', of: primary, setup: 'none' };
  }
  if (p) {
    const order = compareGtid(heldPos(mine), p.gtidBinlogPos);
    if (order === 'ahead' || order === 'diverged') {
      return {
        kind: 'refuse',
        why: `this server holds transactions "${primary.name}" does not have (errant GTIDs: ${[...heldPos(mine).values()].map((e) => `${e.domain}-${e.server}-${e.seq}`).join(',')} against ${[...p.gtidBinlogPos.values()].map((e) => `${e.domain}-${e.server}-${e.seq}`).join(',')}); it cannot follow it without losing them: rebuild it (see docs/database.md)`,
      };
    }
  }
  return { kind: 'replica', of: primary, setup: 'repoint' };
}
