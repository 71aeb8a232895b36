/**
 * Running a shell script on an inventory host during an upgrade (HAProxy's runtime API on the
 * front servers, checks on a new host, apt on a host upgraded in place): over the host's SSH
 * connection, as root (through become like apply), the script on the channel's stdin. One
 * connection per host is kept for the roll and opened again when the host went away.
 */
import type { HostSpec } from '../model.js';
import { openHost } from '../engine/connect.js';
import { Remote } from '../engine/remote.js';
import type { KnownHosts } from '../transport/known-hosts.js';
import { ConnectError } from '../errors.js';

export interface ShellResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export class Shells {
  private readonly open = new Map<string, Promise<Remote>>();

  private remote(host: HostSpec): Promise<Remote> {
    const key = `${host.name}@${host.address}`;
    let r = this.open.get(key);
    if (!r) {
      // known_hosts is read afresh for each connection: during a roll it gains new hosts' keys, and
      // an address an old (destroyed) host had may now belong to a new one.
      r = openHost(host, { acceptNewHostKeys: false, knownHosts: new Map<string, KnownHosts>() }).then((conn) => {
        const pw = typeof host.vars.become_password === 'string' ? host.vars.become_password : undefined;
        return new Remote(conn, host.name, host.user, host.become, pw);
      });
      r.catch(() => this.open.delete(key));
      this.open.set(key, r);
    }
    return r;
  }

  /** Run `script` on `host`; a lost connection is opened again once. */
  async run(host: HostSpec, script: string): Promise<ShellResult> {
    for (let attempt = 0; ; attempt++) {
      const remote = await this.remote(host);
      try {
        const r = await remote.run({ preludes: [], staged: [], applies: [{ id: 'upgrade', fragment: script, notifyFlags: [] }], facts: false, probes: [] });
        const res = r.applies[0];
        if (!res && r.lost) throw new ConnectError(host.name, 'closed', `The connection to host "${host.name}" was lost (${r.lost})`);
        return { rc: res?.rc ?? r.exitCode, stdout: res?.stdout ?? '', stderr: res?.stderr ?? r.stderr };
      } catch (e) {
        this.forget(host);
        if (attempt > 0 || !(e instanceof ConnectError)) throw e;
      }
    }
  }

  forget(host: HostSpec): void {
    const key = `${host.name}@${host.address}`;
    this.open
      .get(key)
      ?.then((r) => r.conn.close())
      .catch(() => {});
    this.open.delete(key);
  }

  closeAll(): void {
    for (const r of this.open.values()) r.then((x) => x.conn.close()).catch(() => {});
    this.open.clear();
  }
}
