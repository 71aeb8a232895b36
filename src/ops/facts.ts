/**
 * Facts about a host, gathered in the same first round trip as the probes and available to
 * `when` expressions and templates as `facts.*`.
 */
export interface Facts {
  hostname: string;
  fqdn: string;
  os: {
    family: string; // "debian"
    id: string; // "debian"
    version_id: string; // "12"
    codename: string; // "bookworm"
    pretty_name: string;
  };
  kernel: string;
  arch: string; // "x86_64"
  cpus: number;
  memory_mb: number;
  /** IPv4 addresses, excluding loopback, in interface order. */
  ipv4: string[];
  /** Primary IPv4 (first of ipv4, or ""). */
  default_ipv4: string;
  /** Interface of the default IPv4 route, else of the first global IPv4 address, or "". */
  default_interface: string;
  init: 'systemd' | 'other';
  /** "systemd-nspawn", "kvm", "none", ... as systemd-detect-virt says, or "unknown". */
  virtualization: string;
  /** The user the probe ran as after become (normally "root"). */
  user: string;
}
