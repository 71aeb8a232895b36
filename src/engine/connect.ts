/**
 * Opening the connection to an inventory host: SSH with its settings (key, agent, bastion,
 * known_hosts), or the local shell for a host with `connection: local`.
 */
import type { HostSpec } from '../model.js';
import { SshConnection, type Target } from '../transport/ssh.js';
import type { Connector } from '../transport/connector.js';
import { LocalConnection } from '../transport/local.js';
import { KnownHosts } from '../transport/known-hosts.js';
import { UserError } from '../errors.js';

export function hostTarget(h: HostSpec): Target {
  return { name: h.name, address: h.address, port: h.port, user: h.user };
}

export function parseJump(spec: string, h: HostSpec): Target {
  const m = spec.match(/^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/);
  if (!m) throw new UserError(`Invalid proxy_jump "${spec}" for host "${h.name}": use user@host[:port]`);
  const address = m[2]!.replace(/^\[|\]$/g, '');
  return { name: `${address} (bastion of ${h.name})`, address, port: m[3] ? Number(m[3]) : 22, user: m[1] ?? h.user };
}

/** The host with --connect-timeout in place of its inventory's `ssh.connect_timeout` (when given). */
export function withConnectTimeout(h: HostSpec, ms: number | undefined): HostSpec {
  return ms === undefined ? h : { ...h, ssh: { ...h.ssh, connectTimeoutMs: ms } };
}

/** `knownHosts` caches one KnownHosts per file across the hosts of a run. */
export async function openHost(host: HostSpec, opts: { acceptNewHostKeys: boolean; knownHosts: Map<string, KnownHosts> }): Promise<Connector> {
  if (host.connection === 'local') return new LocalConnection({ name: host.name });
  const kh = opts.knownHosts.get(host.ssh.knownHosts) ?? new KnownHosts(host.ssh.knownHosts);
  opts.knownHosts.set(host.ssh.knownHosts, kh);
  return SshConnection.open(hostTarget(host), {
    knownHosts: kh,
    acceptNewHostKeys: opts.acceptNewHostKeys,
    ...(host.ssh.keyFile ? { keyFile: host.ssh.keyFile } : {}),
    ...(process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}),
    connectTimeoutMs: host.ssh.connectTimeoutMs,
    ...(host.ssh.proxyJump ? { proxyJump: parseJump(host.ssh.proxyJump, host) } : {}),
  });
}
