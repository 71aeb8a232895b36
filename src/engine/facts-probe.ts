/** The facts section of the probe script, and its pure parser. */
import type { Facts } from '../ops/facts.js';
import { quote } from '../shell/quote.js';

/**
 * Prints `key=value` lines. Only stable facts (no uptime, no free memory, no secondary addresses
 * such as a keepalived virtual IP that moves between hosts), so that facts cached on the
 * controller stay valid between runs and a converged run needs one round trip.
 * Nothing here resolves names (no `hostname -f`): lookups can stall on hosts with broken DNS.
 * Architecture and virtualization cannot change without a reboot: when the boot id is the one
 * the controller remembers with them (`wpha_known_*`, set by the script before this section),
 * they are not detected again (systemd-detect-virt alone is ~7 ms of the host's CPU per run).
 */
export const FACTS_SCRIPT = `
if read -r _wfh < /proc/sys/kernel/hostname 2>/dev/null; then echo "hostname=$_wfh"; else echo "hostname=$(hostname 2>/dev/null || cat /etc/hostname)"; fi
if [ -r /etc/os-release ]; then ( . /etc/os-release; echo "os_id=\${ID:-}"; echo "os_version_id=\${VERSION_ID:-}"; echo "os_codename=\${VERSION_CODENAME:-}"; echo "os_pretty=\${PRETTY_NAME:-}"; echo "os_like=\${ID_LIKE:-}" ); fi
if read -r _wfk < /proc/sys/kernel/osrelease 2>/dev/null; then echo "kernel=$_wfk"; else echo "kernel=$(uname -r)"; fi
_wfi=; read -r _wfi 2>/dev/null < /proc/sys/kernel/random/boot_id || :
echo "boot_id=$_wfi"
if [ -n "$_wfi" ] && [ "$_wfi" = "\${wpha_known_boot:-}" ]; then echo "arch=$wpha_known_arch"; echo "virt=$wpha_known_virt"
else echo "arch=$(uname -m)"; echo "virt=$(systemd-detect-virt 2>/dev/null || echo unknown)"; fi
echo "cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
while read -r _wfa _wfb _wfc; do if [ "$_wfa" = MemTotal: ]; then echo "mem_kb=$_wfb"; break; fi; done < /proc/meminfo
if command -v ip >/dev/null 2>&1; then
  ip -4 -o addr show scope global 2>/dev/null | while read -r _n _if _fam addr _rest; do case " $_rest " in *" secondary "*) continue;; esac; echo "ipv4=\${addr%/*}"; echo "ipv4_if=$_if"; done
  ip -4 route show default 2>/dev/null | { _wfd=; while read -r _wfl; do set -- $_wfl; while [ $# -gt 1 ]; do if [ "$1" = dev ]; then _wfd=$2; break 2; fi; shift; done; done; echo "default_if=$_wfd"; }
else for a in $(hostname -I 2>/dev/null); do case "$a" in *.*) echo "ipv4=$a";; esac; done; fi
if [ -d /run/systemd/system ]; then echo "init=systemd"; else echo "init=other"; fi
echo "user=$(id -un)"
`;

/** What the facts section remembers across runs on the controller: valid while the host's boot id is the same. */
export interface BootFacts {
  bootId: string;
  arch: string;
  virt: string;
}

/** The boot facts of a facts section's output, `f` its parsed facts (undefined when the host gave no boot id). */
export function parseBootFacts(out: string, f: Facts = parseFacts(out)): BootFacts | undefined {
  const bootId = /^boot_id=(\S+)$/m.exec(out)?.[1];
  return bootId && f.arch ? { bootId, arch: f.arch, virt: f.virtualization } : undefined;
}

/** Shell lines giving the facts section the remembered boot facts (before the section, so its text stays the same). */
export function knownBootFacts(b: BootFacts | undefined): string {
  return b ? `wpha_known_boot=${quote(b.bootId)} wpha_known_arch=${quote(b.arch)} wpha_known_virt=${quote(b.virt)}` : '';
}

export function parseFacts(out: string): Facts {
  const kv = new Map<string, string>();
  const ipv4: string[] = [];
  const ipv4If: string[] = [];
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1).trim();
    if (k === 'ipv4') ipv4.push(v);
    else if (k === 'ipv4_if') ipv4If.push(v);
    else kv.set(k, v);
  }
  const get = (k: string) => kv.get(k) ?? '';
  const hostname = get('hostname');
  const like = get('os_like');
  const id = get('os_id');
  return {
    hostname,
    fqdn: hostname,
    os: {
      family: id === 'debian' || like.split(' ').includes('debian') ? 'debian' : like.split(' ')[0] || id,
      id,
      version_id: get('os_version_id'),
      codename: get('os_codename'),
      pretty_name: get('os_pretty'),
    },
    kernel: get('kernel'),
    arch: get('arch'),
    cpus: Number(get('cpus')) || 1,
    memory_mb: Math.round(Number(get('mem_kb')) / 1024) || 0,
    ipv4,
    default_ipv4: ipv4[0] ?? '',
    // The default route's interface; hosts without one (an isolated lab) use the first address's.
    default_interface: get('default_if') || ipv4If[0] || '',
    init: get('init') === 'systemd' ? 'systemd' : 'other',
    virtualization: get('virt') || 'unknown',
    user: get('user'),
  };
}
