/**
 * The SSH side of the database runbooks: one connection per member of a replication group (and
 * per SQL proxy host), opened in parallel with a short timeout (a dead primary must not make a
 * failover wait), then shell fragments run on a host as root, each in one round trip. What a
 * server says is read with the same query and parser as the replication operation (src/db).
 */
import type { Inventory } from '../../../model.js';
import { openHost } from '../../../engine/connect.js';
import { Remote } from '../../../engine/remote.js';
import type { KnownHosts } from '../../../transport/known-hosts.js';
import { parseViews, VIEW_FN, viewSql, type NodeAnswer } from '../../../db/node-view.js';
import { parseServersState, type ProxyServers } from '../../../db/status.js';
import type { ReplicationTopology } from '../../../db/topology.js';
import { quote } from '../../../shell/quote.js';

export interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export class DbSession {
  private constructor(
    private readonly remotes: Map<string, Remote>,
    readonly unreachable: Map<string, string>,
  ) {}

  static async open(inv: Inventory, hosts: readonly string[], opts: { connectTimeoutMs: number; acceptNewHostKeys: boolean }): Promise<DbSession> {
    const known = new Map<string, KnownHosts>();
    const remotes = new Map<string, Remote>();
    const unreachable = new Map<string, string>();
    await Promise.all(
      [...new Set(hosts)].map(async (name) => {
        const h = inv.hosts.get(name)!;
        try {
          const conn = await openHost(
            { ...h, ssh: { ...h.ssh, connectTimeoutMs: Math.min(h.ssh.connectTimeoutMs, opts.connectTimeoutMs) } },
            { acceptNewHostKeys: opts.acceptNewHostKeys, knownHosts: known },
          );
          remotes.set(name, new Remote(conn, name, h.user, h.become));
        } catch (e) {
          unreachable.set(name, `SSH: ${(e as Error).message}`);
        }
      }),
    );
    return new DbSession(remotes, unreachable);
  }

  reachable(host: string): boolean {
    return this.remotes.has(host);
  }

  /** Runs a shell fragment on the host as root (one round trip). */
  async run(host: string, fragment: string): Promise<RunResult> {
    const remote = this.remotes.get(host);
    if (!remote) return { rc: 255, stdout: '', stderr: this.unreachable.get(host) ?? `no connection to "${host}"` };
    try {
      const r = await remote.run({ preludes: [], staged: [], applies: [{ id: 'db', fragment, notifyFlags: [] }], facts: false, probes: [] });
      const a = r.applies[0];
      return { rc: a?.rc ?? r.exitCode, stdout: a?.stdout ?? '', stderr: a?.stderr ?? r.stderr };
    } catch (e) {
      return { rc: 255, stdout: '', stderr: (e as Error).message };
    }
  }

  /** What each member's server says about itself (through its socket, as root). */
  async views(topo: ReplicationTopology): Promise<Map<string, NodeAnswer>> {
    const sql = viewSql();
    const out = new Map<string, NodeAnswer>();
    await Promise.all(
      topo.members.map(async (m) => {
        if (!this.reachable(m.name)) return out.set(m.name, { ok: false, error: this.unreachable.get(m.name) ?? 'unreachable' });
        const r = await this.run(m.name, `${VIEW_FN}\nwpha_db_view ${quote(m.name)} ${quote(sql)}`);
        const a = parseViews(r.stdout).get(m.name);
        return out.set(m.name, a ?? { ok: false, error: (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.rc}` });
      }),
    );
    return out;
  }

  /** The servers each SQL proxy sends connections to. */
  async proxies(topo: ReplicationTopology): Promise<ProxyServers[]> {
    return Promise.all(
      topo.proxies.map(async (p): Promise<ProxyServers> => {
        if (!this.reachable(p.name)) return { proxy: p.name, up: { error: this.unreachable.get(p.name) ?? 'unreachable' } };
        const r = await this.run(p.name, `echo 'show servers state' | socat stdio ${quote(p.socket)}`);
        return { proxy: p.name, up: r.rc === 0 ? parseServersState(r.stdout) : { error: (r.stderr || r.stdout).trim() || `exit ${r.rc}` } };
      }),
    );
  }

  close(): void {
    for (const r of this.remotes.values()) r.conn.close();
  }
}
