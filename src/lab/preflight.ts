/**
 * Checks that this machine can run the lab, and says exactly what is missing: root, tools
 * (with the Debian package that provides each), kernel features.
 */
import { accessSync, constants, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/** Tool -> Debian package that provides it. */
export const LAB_TOOLS: Record<string, string> = {
  'systemd-nspawn': 'systemd-container',
  debootstrap: 'debootstrap',
  ip: 'iproute2',
  squid: 'squid',
  'ssh-keygen': 'openssh-client',
  mount: 'mount',
};

export function findInPath(cmd: string, envPath = process.env.PATH ?? ''): string | undefined {
  const dirs = [...envPath.split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export interface PreflightProblem {
  what: string;
  fix: string;
}

export function labPreflight(opts: { needDebootstrap: boolean } = { needDebootstrap: true }): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    problems.push({ what: 'the lab needs root (it creates a bridge, mounts overlays and boots systemd-nspawn hosts)', fix: 'run as root, e.g. `sudo npx wpha lab up`' });
  }
  const missingPkgs = new Set<string>();
  for (const [tool, pkg] of Object.entries(LAB_TOOLS)) {
    if (tool === 'debootstrap' && !opts.needDebootstrap) continue;
    if (!findInPath(tool)) {
      problems.push({ what: `"${tool}" is not installed`, fix: `apt-get install ${pkg}` });
      missingPkgs.add(pkg);
    }
  }
  const fs = safeRead('/proc/filesystems');
  if (fs !== undefined && !/\toverlay$/m.test(fs)) {
    problems.push({ what: 'the kernel has no overlay filesystem (needed for copy-on-write host disks)', fix: 'load the overlay module (`modprobe overlay`) or use a kernel with CONFIG_OVERLAY_FS' });
  }
  if (!existsSync('/proc/self/ns/net')) {
    problems.push({ what: 'the kernel has no network namespaces', fix: 'use a kernel with CONFIG_NET_NS' });
  }
  if (!existsSync('/sys/class/net')) {
    problems.push({ what: '/sys/class/net is missing (sysfs not mounted?)', fix: 'mount sysfs' });
  }
  return problems;
}

export function assertLabPreflight(opts?: { needDebootstrap: boolean }): void {
  const problems = labPreflight(opts);
  if (problems.length === 0) return;
  const pkgs = problems.filter((p) => p.fix.startsWith('apt-get install ')).map((p) => p.fix.slice('apt-get install '.length));
  const lines = problems.map((p) => `  - ${p.what}: ${p.fix}`);
  if (pkgs.length > 1) lines.push(`  (all at once: apt-get update && apt-get install -y ${pkgs.join(' ')})`);
  throw new UserError(`Cannot run the lab on this machine:\n${lines.join('\n')}`);
}

function safeRead(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
