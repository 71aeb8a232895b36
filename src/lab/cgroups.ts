/**
 * Each lab host gets cgroups of its own. systemd-nspawn started outside a systemd-managed unit
 * puts the host's payload in `<caller's cgroup>/payload`; when every host is started from the
 * same cgroup they all share ONE `payload` tree, and each host's systemd then manages (and
 * kills) the others' units: `systemctl stop nginx` on one host could stop another host's nginx,
 * reloads fail with 219/CGROUP. Starting each nspawn inside `wpha-lab/<machine>` of every
 * cgroup hierarchy gives each host its own tree.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const CG = '/sys/fs/cgroup';

/** The hierarchies a process must be placed in: cgroup v2 (pure or hybrid) and systemd's v1 one. */
export function cgroupRoots(base = CG): string[] {
  if (existsSync(path.join(base, 'cgroup.controllers'))) return [base]; // pure cgroup v2
  return [path.join(base, 'unified'), path.join(base, 'systemd')].filter((d) => existsSync(path.join(d, 'cgroup.procs')));
}

export function hostCgroups(machine: string, base = CG): string[] {
  return cgroupRoots(base).map((r) => path.join(r, 'wpha-lab', machine));
}

export function createHostCgroups(machine: string): string[] {
  const dirs = hostCgroups(machine);
  for (const d of dirs) mkdirSync(d, { recursive: true });
  return dirs;
}

/** Every pid in a cgroup tree (cgroup.procs of v2 and v1 alike). */
function pidsIn(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const out: number[] = [];
  try {
    for (const l of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l.trim()) out.push(Number(l));
  } catch {
    /* gone */
  }
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    try {
      if (statSync(p).isDirectory()) out.push(...pidsIn(p));
    } catch {
      /* vanished */
    }
  }
  return out;
}

/**
 * Kill whatever still runs in a host's cgroups (a host whose nspawn was killed leaves its
 * systemd and services running, orphaned). They are the host's own processes by construction:
 * nothing else is ever placed in `wpha-lab/<machine>`. Returns how many were found.
 */
export async function killHostCgroups(machine: string): Promise<number> {
  const dirs = hostCgroups(machine);
  const found = new Set(dirs.flatMap(pidsIn));
  if (found.size === 0) return 0;
  for (const d of dirs) {
    try {
      writeFileSync(path.join(d, 'cgroup.kill'), '1'); // cgroup v2: the kernel kills the whole tree
    } catch {
      /* v1, or an older kernel: signal each pid below */
    }
  }
  for (const pid of found) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (let i = 0; i < 100 && dirs.some((d) => pidsIn(d).length > 0); i++) await new Promise((r) => setTimeout(r, 50));
  return found.size;
}

/** Remove a host's cgroup trees, deepest first (only empty cgroups can be removed). */
export function removeHostCgroups(machine: string): void {
  for (const d of hostCgroups(machine)) removeTree(d);
}

function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    try {
      if (statSync(p).isDirectory()) removeTree(p);
    } catch {
      /* vanished */
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    /* still busy: left for the next stop */
  }
}

/** sh wrapper that joins the host's cgroups, then execs the real command. */
export function joinCgroupsCommand(dirs: string[], cmd: string, args: string[]): { cmd: string; args: string[] } {
  const script = `for g in ${dirs.map((d) => `'${d}'`).join(' ')}; do echo $$ > "$g/cgroup.procs" || exit 97; done; exec "$@"`;
  return { cmd: 'sh', args: ['-c', script, 'sh', cmd, ...args] };
}

/** After the last host stopped: remove the empty `wpha-lab` parents (left alone while any host uses them). */
export function removeLabCgroupParents(base = CG): void {
  for (const r of cgroupRoots(base)) {
    try {
      rmdirSync(path.join(r, 'wpha-lab'));
    } catch {
      /* absent, or other hosts still there */
    }
  }
}
