/** Pure renderers for the small files the lab writes into each host. */

export interface LabHostEntry {
  name: string;
  address: string;
}

export function renderEtcHosts(self: string, hosts: LabHostEntry[], extra: Record<string, string> = {}): string {
  const lines = [
    '# Written by the wpha lab: every lab host, so that no lookup ever leaves the lab.',
    '127.0.0.1\tlocalhost',
    `127.0.1.1\t${self}`,
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const h of [...hosts].sort((a, b) => ipKey(a.address) - ipKey(b.address))) {
    if (h.name !== self) lines.push(`${h.address}\t${h.name}`);
  }
  for (const [name, addr] of Object.entries(extra).sort()) lines.push(`${addr}\t${name}`);
  return lines.join('\n') + '\n';
}

/** Static address on host0 and NO gateway: the lab subnet is all a host can reach. */
export function renderNetworkUnit(address: string): string {
  return `[Match]\nName=host0\n\n[Network]\nAddress=${address}/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\nLLMNR=no\nMulticastDNS=no\n`;
}

export function renderAptProxy(proxyUrl: string): string {
  return `// Written by the wpha lab: packages come through the lab's proxy on the bridge.\nAcquire::http::Proxy "${proxyUrl}";\nAcquire::https::Proxy "DIRECT";\nAcquire::Retries "3";\n`;
}

/** known_hosts lines for every lab host: by address and by name. */
export function renderKnownHosts(hosts: (LabHostEntry & { hostKey: string })[]): string {
  return (
    [...hosts]
      .sort((a, b) => ipKey(a.address) - ipKey(b.address))
      .map((h) => `${h.address},${h.name} ${h.hostKey.trim().split(/\s+/).slice(0, 2).join(' ')}`)
      .join('\n') + (hosts.length ? '\n' : '')
  );
}

export function ipKey(addr: string): number {
  return addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function randomMachineId(bytes: Buffer): string {
  return bytes.subarray(0, 16).toString('hex') + '\n';
}
