/** Memory figures of lab hosts, read from /proc: PSS of every process in each host's pid namespace. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

interface Proc {
  pid: number;
  ppid: number;
  pidNs: string;
}

function listProcs(): Proc[] {
  const out: Proc[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(p), ppid: Number(rest[1]), pidNs: readlinkSync(`/proc/${p}/ns/pid`) });
    } catch {
      /* gone */
    }
  }
  return out;
}

function pssKb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** PSS in MB of each host (keyed by the nspawn pid), including the nspawn process itself. */
export function hostMemoryMb(nspawnPids: number[]): Map<number, number> {
  const procs = listProcs();
  const result = new Map<number, number>();
  for (const pid of nspawnPids) {
    const namespaces = new Set(procs.filter((p) => p.ppid === pid).map((p) => p.pidNs));
    const members = procs.filter((p) => namespaces.has(p.pidNs));
    const kb = members.reduce((s, p) => s + pssKb(p.pid), pssKb(pid));
    result.set(pid, kb / 1024);
  }
  return result;
}

export function memAvailableMb(): number {
  const m = readFileSync('/proc/meminfo', 'utf8').match(/^MemAvailable:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : NaN;
}
