/**
 * Connections opened while the run still loads. Reaching a host costs its SSH handshake (sshd
 * starts a process for the connection, exchanges keys and opens a session: ~0.1 s on the host)
 * before the one round trip of a converged host; meanwhile the controller reads the var files,
 * roles and templates and checks them (~40-50 ms on the web tier). Opening the connections as
 * soon as the inventory file says which hosts the run reaches lets the two overlap.
 *
 * Nothing is sent on these connections before the whole inventory has loaded and passed its
 * checks: a load that fails closes them unused, and a host whose final connection settings differ
 * from the early ones (they should not) is reached again with the final ones. Not used where the
 * set or order of hosts is not known from the inventory file alone: the lab (its hosts may first
 * be booted), batches (`serial`), shards and `--connection local` (the CLI does not ask for it).
 */
import type { ConnectTarget, EarlyHosts } from '../model.js';
import type { Connector } from '../transport/connector.js';
import type { KnownHosts } from '../transport/known-hosts.js';
import { openHost, withConnectTimeout } from './connect.js';
import { selectHosts } from './limit.js';

export interface PreconnectOptions {
  limit?: string;
  /** At most this many connections are opened early: the hosts the run's first --forks slots take. */
  forks: number;
  connectTimeoutMs?: number;
  acceptNewHostKeys: boolean;
}

const settingsOf = (h: ConnectTarget) => JSON.stringify([h.address, h.port, h.user, h.connection, h.ssh]);

export class Preconnected {
  /** One KnownHosts per file, shared with the run (a key accepted early is known to it). */
  readonly knownHosts = new Map<string, KnownHosts>();
  private readonly pending = new Map<string, { settings: string; conn: Promise<Connector> }>();
  private closed = false;

  constructor(private readonly opts: PreconnectOptions) {}

  /** Given to the inventory loader (LoadInventoryOptions.onHosts): opens the selected hosts' connections. */
  readonly start = (early: EarlyHosts): void => {
    if (this.closed || early.lab || early.batched) return;
    let names: string[];
    try {
      names = selectHosts(early, this.opts.limit);
    } catch {
      return; // a --limit naming nothing known: the full load says so
    }
    const reached = names.filter((n) => early.hosts.get(n)!.withRoles && early.hosts.get(n)!.connection !== 'local');
    for (const name of reached.slice(0, Math.max(1, this.opts.forks))) {
      const host = withConnectTimeout(early.hosts.get(name)!, this.opts.connectTimeoutMs);
      const conn = openHost(host, { acceptNewHostKeys: this.opts.acceptNewHostKeys, knownHosts: this.knownHosts });
      conn.catch(() => undefined); // a failure surfaces when the run takes the connection
      this.pending.set(name, { settings: settingsOf(host), conn });
    }
  };

  /**
   * The connection opened early for `host`, at most once; undefined when there is none (or it was
   * opened with other settings: then closed). A failed connect rejects as openHost would have.
   */
  take(host: ConnectTarget): Promise<Connector> | undefined {
    const p = this.pending.get(host.name);
    if (!p) return undefined;
    this.pending.delete(host.name);
    if (p.settings === settingsOf(host)) return p.conn;
    p.conn.then(
      (c) => c.close(),
      () => undefined,
    );
    return undefined;
  }

  /** Closes the connections the run did not take (the load failed, the run stopped early) and opens no more. */
  closeUnused(): void {
    this.closed = true;
    for (const p of this.pending.values())
      p.conn.then(
        (c) => c.close(),
        () => undefined,
      );
    this.pending.clear();
  }

  /** Hosts with a connection opened early and not yet taken. */
  get waiting(): string[] {
    return [...this.pending.keys()];
  }
}
