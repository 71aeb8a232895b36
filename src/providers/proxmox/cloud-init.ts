/**
 * What a Proxmox machine gets at first boot, as the API wants it (pure): cloud-init settings
 * (static address, gateway, DNS, user, SSH key), size, the guest agent on, and tags that say
 * which inventory state and group the machine belongs to (so a lost machine can be found).
 */
import type { CreateRequest } from '../types.js';

/** Tags allow [a-z0-9_+.-]; `wpha-s-<state id>` and `wpha-g-<group>` find our machines. */
export function machineTags(stateId: string, group: string): string[] {
  return ['wpha', `wpha-s-${stateId}`, `wpha-g-${group.replace(/[^a-z0-9_+.-]/g, '-')}`];
}

export function parseTags(tags: string | undefined): string[] {
  return (tags ?? '').split(/[;, ]/).filter(Boolean);
}

/**
 * PVE's `sshkeys` is itself URL-encoded (spaces as %20, "+" and "/" escaped), then form-encoded
 * again with the rest of the body; a key sent plain is refused ("invalid urlencoded string").
 */
export function encodeSshKeys(keys: string): string {
  return encodeURIComponent(keys.trim() + '\n');
}

export function configParams(req: CreateRequest, net: { address: string; prefixLength: number; gateway?: string; nameservers?: string[] }, stateId: string): Record<string, string> {
  const ip = `ip=${net.address}/${net.prefixLength}${net.gateway ? `,gw=${net.gateway}` : ''}`;
  return {
    name: req.name,
    cores: String(req.size.cpus),
    memory: String(req.size.memoryMb),
    agent: '1',
    ciuser: req.firstBoot.user,
    sshkeys: encodeSshKeys(req.sshPublicKey),
    ipconfig0: ip,
    ...(net.nameservers?.length ? { nameserver: net.nameservers.join(' ') } : {}),
    tags: machineTags(stateId, req.group).join(';'),
    description: `Made by wpha for group ${req.group} from ${req.image}`,
  };
}

/** Address of a config's ipconfig0 (`ip=10.0.0.5/24,gw=...`), if static. */
export function addressOf(ipconfig0: string | undefined): string | undefined {
  return /(?:^|,)ip=(\d+\.\d+\.\d+\.\d+)\//.exec(ipconfig0 ?? '')?.[1];
}

const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/** The first address of the pool (addresses and ranges A-B) nobody uses. */
export function freeAddress(pool: string[], used: Set<string>): string | undefined {
  for (const entry of pool) {
    const [from, to = from] = entry.split('-') as [string, string?];
    for (let n = toInt(from); n <= toInt(to!); n++) if (!used.has(toIp(n))) return toIp(n);
  }
  return undefined;
}

/** The IPv4 addresses the guest agent reports (network-get-interfaces' `result`), loopback excluded. */
export function agentAddresses(result: unknown): string[] {
  const ifaces = Array.isArray(result) ? (result as { name?: string; 'ip-addresses'?: { 'ip-address'?: string; 'ip-address-type'?: string }[] }[]) : [];
  return ifaces
    .filter((i) => i.name !== 'lo')
    .flatMap((i) => i['ip-addresses'] ?? [])
    .filter((a) => a['ip-address-type'] === 'ipv4' && a['ip-address'] && !a['ip-address'].startsWith('127.'))
    .map((a) => a['ip-address']!);
}
