/**
 * What the upgrade tests look at: the group's machines in the state file, what every front's
 * HAProxy says of the group, what the lab still has of a machine, and a client loop through the
 * virtual IP for as long as an action takes.
 */
import { existsSync } from 'node:fs';
import type { LabHosts } from '../helpers/lab-hosts.js';
import { clientLoop, type Sample } from '../front/client-loop.js';
import { labConfig } from '../../src/lab/config.js';
import { hostFiles, readHost } from '../../src/lab/host.js';
import { isOurProcess } from '../../src/lab/process.js';
import { readStateFile } from './inventory.js';

export const webMachines = (inv: string) => Object.entries(readStateFile(inv).machines).filter(([, m]) => m.group === 'web');

/** name -> status, from `wpha-lb status` on a front. */
export async function lbStatus(lab: LabHosts, front: string): Promise<Record<string, string>> {
  const r = await lab.ssh(front, 'wpha-lb status');
  if (r.code !== 0) throw new Error(`wpha-lb status on ${front}: ${r.stderr}`);
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '))
      .map(([n, s]) => [n!, s!]),
  );
}

/** Whether the lab still runs a machine (its nspawn, not a zombie) and still has its disk. */
export function labTrace(name: string, pid: number | undefined): { process: boolean; disk: boolean } {
  const c = labConfig();
  return { process: isOurProcess(pid, hostFiles(c, name).root), disk: existsSync(hostFiles(c, name).dir) };
}

export const labPid = (name: string) => readHost(labConfig(), name)?.pid;

/** Requests `url` from `client` every ~100 ms while `action` runs (and `afterMs` more). */
export async function loopDuring<T>(lab: LabHosts, client: string, url: string, afterMs: number, action: () => Promise<T>): Promise<{ samples: Sample[]; result: T }> {
  const stop = `/tmp/wpha-upgrade-loop-${process.pid}-${Date.now()}`;
  const loop = clientLoop(lab, client, url, 1500, stop);
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const result = await action();
    await new Promise((r) => setTimeout(r, afterMs));
    await lab.ssh(client, `touch '${stop}'`);
    return { samples: await loop, result };
  } catch (e) {
    await lab.ssh(client, `touch '${stop}'`);
    await loop.catch(() => undefined);
    throw e;
  }
}
