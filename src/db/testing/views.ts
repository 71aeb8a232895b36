/**
 * Node views for the decision tests: parsed from the probe outputs recorded on lab hosts
 * (src/db/fixtures), then changed field by field to make the states a group goes through
 * (a primary killed, a replica promoted, a server seeded...).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../paths.js';
import { parseGtidPos } from '../gtid.js';
import { parseViews, type NodeAnswer, type NodeView } from '../node-view.js';
import type { Member } from '../primary.js';

export const fixture = (name: string) => readFileSync(path.join(projectRoot(), 'src/db/fixtures', name), 'utf8');

/** The recorded answers of a probe run on `host` (lab1 primary; lab2, lab3 replicas). */
export function recorded(file: string): Map<string, NodeAnswer> {
  return parseViews(fixture(file));
}

const healthy = recorded('probe-healthy-from-lab2.txt');
const base = (name: string): NodeView => {
  const a = healthy.get(name === 'lab2' ? 'lab2' : name);
  if (!a?.ok) throw new Error(`no recorded view of ${name}`);
  return structuredClone(a.view);
};

export const ADDR: Record<string, string> = { lab1: '172.31.204.100', lab2: '172.31.204.101', lab3: '172.31.204.102' };

/** The recorded primary's view, changed. */
export function primaryView(over: { readOnly?: boolean; binlog?: string; semiSync?: boolean; clients?: number } = {}): NodeView {
  const v = base('lab1');
  // A primary that was set up has the replication user (only a node asking itself sees this).
  v.raw.repl_user = '3';
  if (over.readOnly !== undefined) v.readOnly = over.readOnly;
  if (over.binlog !== undefined) v.gtidBinlogPos = v.gtidCurrentPos = parseGtidPos(over.binlog);
  if (over.semiSync !== undefined) v.semiSync.masterEnabled = v.semiSync.masterStatus = over.semiSync;
  if (over.clients !== undefined) v.semiSync.masterClients = over.clients;
  return v;
}

/** The recorded replica's view, changed: `of` its primary's name (null: no replication set up). */
export function replicaView(over: { of?: string | null; pos?: string; io?: string; sql?: string; binlog?: string; ioErrno?: number; readOnly?: boolean } = {}): NodeView {
  const v = base('lab2');
  if (over.of === null) delete v.replica;
  else if (over.of) v.replica!.masterHost = ADDR[over.of]!;
  if (over.pos !== undefined) {
    v.gtidSlavePos = v.gtidCurrentPos = parseGtidPos(over.pos);
    if (v.replica) v.replica.gtidIoPos = parseGtidPos(over.pos);
  }
  if (over.binlog !== undefined) v.gtidBinlogPos = parseGtidPos(over.binlog);
  if (over.io && v.replica) v.replica.ioRunning = over.io;
  if (over.sql && v.replica) v.replica.sqlRunning = over.sql;
  if (over.ioErrno !== undefined && v.replica) v.replica.lastIoErrno = over.ioErrno;
  if (over.readOnly !== undefined) v.readOnly = over.readOnly;
  return v;
}

/** A server just installed: never replicated, no transaction. */
export function emptyView(): NodeView {
  const v = replicaView({ of: null, pos: '', binlog: '' });
  v.raw.repl_user = '0';
  return v;
}

export const member = (name: string, view: NodeView | string): Member => ({
  name,
  address: ADDR[name]!,
  answer: typeof view === 'string' ? { ok: false, error: view } : { ok: true, view },
});

export const DOWN = "ERROR 2002 (HY000): Can't connect to server on '172.31.204.100' (115)";
export const REFUSED_USER = "ERROR 1045 (28000): Access denied for user 'wpha_repl'@'172.31.204.101' (using password: YES)";
