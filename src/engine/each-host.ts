/** Run something on each selected host over its own connection (for `wpha run` and `wpha facts`). */
import type { Inventory } from '../model.js';
import type { KnownHosts } from '../transport/known-hosts.js';
import { openHost, withConnectTimeout } from './connect.js';
import { Remote } from './remote.js';
import { pool } from './pool.js';

export interface EachHostOptions {
  hosts: string[];
  forks: number;
  acceptNewHostKeys: boolean;
  becomePassword?: string;
  connectTimeoutMs?: number;
  roundTripTimeoutMs?: number;
}

export type HostOutcome<T> = { host: string; ok: true; value: T } | { host: string; ok: false; error: string };

export async function eachHost<T>(inv: Inventory, opts: EachHostOptions, fn: (remote: Remote) => Promise<T>, onDone?: (o: HostOutcome<T>) => void): Promise<HostOutcome<T>[]> {
  const known = new Map<string, KnownHosts>();
  const out: HostOutcome<T>[] = [];
  await pool(opts.hosts, opts.forks, async (name) => {
    const host = inv.hosts.get(name)!;
    let outcome: HostOutcome<T>;
    try {
      const conn = await openHost(withConnectTimeout(host, opts.connectTimeoutMs), { acceptNewHostKeys: opts.acceptNewHostKeys, knownHosts: known });
      try {
        const pw = typeof host.vars.become_password === 'string' ? host.vars.become_password : opts.becomePassword;
        const remote = new Remote(conn, name, host.user, host.become, pw);
        if (opts.roundTripTimeoutMs !== undefined) remote.roundTripTimeoutMs = opts.roundTripTimeoutMs;
        outcome = { host: name, ok: true, value: await fn(remote) };
      } finally {
        conn.close();
      }
    } catch (e) {
      outcome = { host: name, ok: false, error: (e as Error).message };
    }
    out.push(outcome);
    onDone?.(outcome);
  });
  return out;
}
