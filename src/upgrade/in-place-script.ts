/**
 * What `wpha upgrade --in-place` runs on a host (pure builders and parsers): apt-get full-upgrade
 * (non-interactive, keeping changed config files), the package versions before and after, whether
 * the system asks for a reboot, and the systemd units whose processes still run code a package
 * replaced (they map deleted files), which are restarted. systemd itself re-executes; D-Bus and
 * the console are never restarted (that needs a reboot).
 */
import { diffPackages, type PackageDiff } from '../lab/package-diff.js';

export const UPGRADE_SCRIPT = `set -u
export DEBIAN_FRONTEND=noninteractive
log=/var/log/wpha-full-upgrade.log
pkgs() { dpkg-query -W -f '\${Package} \${Version}\\n'; }
echo '@@before'; pkgs
{ apt-get -q update && dpkg --configure -a && apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold full-upgrade; } > "$log" 2>&1 || { echo "apt-get full-upgrade failed:" >&2; tail -n 15 "$log" >&2; exit 4; }
echo '@@after'; pkgs
echo '@@reboot'
if [ -e /run/reboot-required ]; then echo "required by: $(cat /run/reboot-required.pkgs 2>/dev/null | tr '\\n' ' ')"; fi
`;

/** Units whose processes map a deleted program or library: restarted (and listed). */
export const RESTART_SCRIPT = `set -u
units=''
for p in /proc/[0-9]*; do
  grep -Eqs ' /(usr|lib|lib64|bin|sbin)/.* \\(deleted\\)$' "$p/maps" || continue
  u=$(grep -o '[^/]*\\.service' "$p/cgroup" 2>/dev/null | head -n 1)
  [ -n "$u" ] && units="$units $u"
  [ "\${p#/proc/}" = 1 ] && units="$units systemd"
done
echo '@@restart'
for u in $(printf '%s\\n' $units | sort -u); do
  case "$u" in
    systemd) systemctl daemon-reexec && echo "systemd re-executed" ;;
    dbus.service|dbus-broker.service|getty@*|console-getty.service|systemd-logind.service) echo "$u needs a reboot" ;;
    *) systemctl restart "$u" && echo "$u restarted" || echo "$u failed to restart" ;;
  esac
done
`;

export interface UpgradeOutput {
  diff: PackageDiff;
  /** Set when /run/reboot-required exists: the packages that asked. */
  reboot?: string;
}

function section(stdout: string, name: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf(`@@${name}`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('@@')) break;
    out.push(l);
  }
  return out;
}

/** `package version` lines (anything else a host prints is ignored). */
const asMap = (lines: string[]) => Object.fromEntries(lines.filter((l) => /^\S+ \S+$/.test(l)).map((l) => l.split(' ') as [string, string]));

export function parseUpgrade(stdout: string): UpgradeOutput {
  const reboot = section(stdout, 'reboot').find((l) => l.startsWith('required by:'));
  return { diff: diffPackages(asMap(section(stdout, 'before')), asMap(section(stdout, 'after'))), ...(reboot ? { reboot: reboot.trim() } : {}) };
}

export function parseRestarts(stdout: string): string[] {
  return section(stdout, 'restart').filter(Boolean);
}
