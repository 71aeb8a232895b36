/** One shell fragment on one host (as root through become), for the database runbooks. */
import { eachHost } from '../../../engine/each-host.js';
import type { Inventory } from '../../../model.js';
import { ensureLabHosts } from '../../lab-hosts.js';

export interface ShellResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export interface ShellOptions {
  acceptNewHostKeys?: boolean;
  becomePassword?: string;
}

/** Runs `fragment` on each host in parallel; a host that cannot be reached gives `error`. */
export async function shellOnHosts(inv: Inventory, hosts: string[], fragment: string, opts: ShellOptions = {}): Promise<Map<string, ShellResult | { error: string }>> {
  const out = new Map<string, ShellResult | { error: string }>();
  await ensureLabHosts(inv);
  const outcomes = await eachHost(
    inv,
    { hosts, forks: Math.max(1, hosts.length), acceptNewHostKeys: Boolean(opts.acceptNewHostKeys), ...(opts.becomePassword ? { becomePassword: opts.becomePassword } : {}) },
    async (remote) => {
      const r = await remote.run({ preludes: [], staged: [], applies: [{ id: 'step', fragment, notifyFlags: [] }], facts: false, probes: [] });
      const a = r.applies[0];
      return { rc: a?.rc ?? r.exitCode, stdout: a?.stdout ?? '', stderr: a?.stderr ?? r.stderr };
    },
  );
  for (const o of outcomes) out.set(o.host, o.ok ? o.value : { error: o.error });
  return out;
}
