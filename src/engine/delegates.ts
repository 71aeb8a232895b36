/**
 * Connections to hosts that tasks are delegated to (`delegate_to`): opened on first use, shared
 * by every host of the run, closed at its end. They take no host lock: the delegated host's own
 * apply (if it is part of the run) holds it.
 */
import type { Inventory } from '../model.js';
import type { KnownHosts } from '../transport/known-hosts.js';
import type { Connector } from '../transport/connector.js';
import { UserError } from '../errors.js';
import { openHost } from './connect.js';
import { Remote } from './remote.js';

export class DelegateConnections {
  private readonly open = new Map<string, Promise<{ conn: Connector; remote: Remote }>>();

  constructor(
    private readonly inv: Inventory,
    private readonly opts: { acceptNewHostKeys: boolean; knownHosts: Map<string, KnownHosts>; becomePassword?: string | undefined },
  ) {}

  async get(name: string): Promise<Remote> {
    let entry = this.open.get(name);
    if (!entry) {
      const host = this.inv.hosts.get(name);
      if (!host) throw new UserError(`delegate_to names "${name}", which is not a host of inventory "${this.inv.name}"`);
      entry = openHost(host, { acceptNewHostKeys: this.opts.acceptNewHostKeys, knownHosts: this.opts.knownHosts }).then((conn) => {
        const pw = typeof host.vars.become_password === 'string' ? host.vars.become_password : this.opts.becomePassword;
        return { conn, remote: new Remote(conn, name, host.user, host.become, pw) };
      });
      this.open.set(name, entry);
    }
    return (await entry).remote;
  }

  closeAll(): void {
    for (const e of this.open.values())
      void e.then(
        (x) => x.conn.close(),
        () => undefined,
      );
    this.open.clear();
  }
}
