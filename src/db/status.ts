/**
 * `wpha db status` as a pure function of what the servers (and the SQL proxies) say: one row per
 * node (role, read_only, GTID position, lag, semi-sync) and the group's health:
 *   healthy (exit 0): one writable primary with semi-sync on, every replica replicating from it
 *     without error and within the lag limit, every proxy sending to that primary;
 *   degraded (exit 2): writes work, but something is missing (a node down, a replica stopped or
 *     late, semi-sync off, a proxy elsewhere);
 *   error (exit 1): no writable primary, or two.
 */
import { formatGtidPos } from './gtid.js';
import type { NodeAnswer } from './node-view.js';
import { findPrimary, heldPos, refusedUser } from './primary.js';
import type { ReplicationTopology } from './topology.js';

export interface StatusRow {
  host: string;
  region: string;
  role: 'primary' | 'replica' | 'closed' | 'down' | 'standalone';
  readOnly: boolean | null;
  gtid: string;
  /** Seconds behind its primary (null: not a replica, or not applying). */
  lag: number | null;
  replication: string;
  semiSync: string;
}

export interface ProxyServers {
  proxy: string;
  /** Servers the proxy sends connections to (state running), or why it cannot tell. */
  up: string[] | { error: string };
}

export type Health = 'healthy' | 'degraded' | 'error';

export interface GroupStatus {
  group: string;
  primary: string | null;
  rows: StatusRow[];
  proxies: ProxyServers[];
  health: Health;
  problems: string[];
}

/** HAProxy's `show servers state` output: the servers whose operational state is running (2). */
export function parseServersState(text: string, backend = 'sql'): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 6 && f[1] === backend && f[5] === '2')
    .map((f) => f[3]!);
}

export function groupStatus(topo: ReplicationTopology, answers: ReadonlyMap<string, NodeAnswer>, proxies: ProxyServers[] = [], maxLag = 30): GroupStatus {
  const members = topo.members.map((m) => ({ ...m, answer: answers.get(m.name) ?? { ok: false as const, error: 'not asked' } }));
  const verdict = findPrimary(members, topo.designated);
  const primary = verdict.kind === 'writable' ? verdict.name : null;
  const primaryAddr = topo.members.find((m) => m.name === primary)?.address;
  const problems: string[] = [];
  let error = false;
  if (verdict.kind === 'conflict') (error = true), problems.push(verdict.why);
  else if (verdict.kind !== 'writable') (error = true), problems.push(`no writable primary${'why' in verdict ? `: ${verdict.why}` : verdict.kind === 'fresh' ? ' (a new group: run wpha apply)' : ''}`);

  const rows: StatusRow[] = members.map((m) => {
    const row: StatusRow = { host: m.name, region: m.region, role: 'down', readOnly: null, gtid: '', lag: null, replication: '', semiSync: '' };
    if (!m.answer.ok) {
      row.replication = refusedUser(m.answer) ? 'not set up (refuses the replication user)' : m.answer.error;
      problems.push(`"${m.name}" does not answer: ${m.answer.error}`);
      return row;
    }
    const v = m.answer.view;
    row.readOnly = v.readOnly;
    row.gtid = formatGtidPos(heldPos(v));
    const s = v.semiSync;
    if (!v.readOnly) {
      row.role = 'primary';
      row.semiSync = `master ${s.masterStatus ? 'ON' : 'OFF'}, ${s.masterClients} client(s)`;
      if (m.name === primary && (!s.masterStatus || s.masterClients === 0))
        problems.push(
          `semi-sync is off on the primary "${m.name}" (${s.masterEnabled ? 'fell back to asynchronous: no replica acknowledged in time' : 'not enabled: no replica was connected when it opened'})`,
        );
      return row;
    }
    const r = v.replica;
    if (!r) {
      row.role = verdict.kind === 'closed' && verdict.name === m.name ? 'closed' : 'standalone';
      row.replication = 'none';
      if (m.name !== primary) problems.push(`"${m.name}" replicates from nobody`);
      return row;
    }
    row.role = 'replica';
    row.lag = r.secondsBehind;
    const from = topo.members.find((x) => x.address === r.masterHost)?.name ?? r.masterHost;
    row.replication = `from ${from}: IO ${r.ioRunning}, SQL ${r.sqlRunning}${r.lastIoError ? `; ${r.lastIoError}` : ''}${r.lastSqlError ? `; ${r.lastSqlError}` : ''}`;
    row.semiSync = `replica ${s.slaveStatus ? 'ON' : 'OFF'}`;
    if (primaryAddr && r.masterHost !== primaryAddr) problems.push(`"${m.name}" replicates from ${from}, not from the primary "${primary}"`);
    if (r.ioRunning !== 'Yes' || r.sqlRunning !== 'Yes') problems.push(`"${m.name}" is not replicating (IO ${r.ioRunning}, SQL ${r.sqlRunning})`);
    else if (r.secondsBehind !== null && r.secondsBehind > maxLag) problems.push(`"${m.name}" is ${r.secondsBehind} s behind (more than ${maxLag} s)`);
    return row;
  });
  for (const p of proxies) {
    if (!Array.isArray(p.up)) problems.push(`SQL proxy on "${p.proxy}": ${p.up.error}`);
    else if (primary && (p.up.length !== 1 || p.up[0] !== primary)) problems.push(`SQL proxy on "${p.proxy}" sends to ${p.up.length ? p.up.join(', ') : 'no server'}, not to the primary "${primary}"`);
  }
  const health: Health = error ? 'error' : problems.length ? 'degraded' : 'healthy';
  return { group: topo.group, primary, rows, proxies, health, problems };
}

export const EXIT_FOR: Readonly<Record<Health, number>> = { healthy: 0, degraded: 2, error: 1 };

/** The status as a table and a list of problems (what `wpha db status` prints). */
export function formatStatus(s: GroupStatus): string {
  const head = ['HOST', 'REGION', 'ROLE', 'READ_ONLY', 'GTID', 'LAG', 'SEMI-SYNC', 'REPLICATION'];
  const cells = s.rows.map((r) => [
    r.host,
    r.region || '-',
    r.role,
    r.readOnly === null ? '?' : r.readOnly ? 'ON' : 'OFF',
    r.gtid || '-',
    r.lag === null ? '-' : `${r.lag}s`,
    r.semiSync || '-',
    r.replication || '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join('  ');
  const out = [`Replication group "${s.group}": ${s.health}${s.primary ? `, primary ${s.primary}` : ''}`, line(head), ...cells.map(line)];
  for (const p of s.proxies) out.push(`SQL proxy on ${p.proxy}: ${Array.isArray(p.up) ? `sends to ${p.up.join(', ') || 'no server'}` : p.up.error}`);
  for (const p of s.problems) out.push(`- ${p}`);
  return out.join('\n');
}
