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

/**
 * One page through `url` before a loop starts, allowed up to 10 s (three tries): the first page
 * after a converge is rendered cold (PHP, its opcache, the page cache) and on a loaded machine can
 * take longer than the loop's 1 s limit. A CI run failed the upgrade test on exactly that: its
 * loop's very first request, 2 s before the upgrade began, timed out and nothing after it failed.
 * The loop then measures the action, not a cold start; a stack that cannot serve at all fails here.
 */
async function warmUp(lab: LabHosts, client: string, url: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 3; i++) {
    const r = await lab.ssh(client, `curl -s -o /dev/null -m 10 -w '%{http_code} %{exitcode}' '${url}'`);
    last = `${r.stdout.trim()} ${r.stderr.trim()}`.trim();
    if (r.stdout.startsWith('200 ')) return;
  }
  throw new Error(`${url} does not answer 200 from ${client} before the loop (last: ${last})`);
}

/** Requests `url` from `client` every ~100 ms while `action` runs (and `afterMs` more), the page warmed first. */
export async function loopDuring<T>(lab: LabHosts, client: string, url: string, afterMs: number, action: () => Promise<T>): Promise<{ samples: Sample[]; result: T }> {
  await warmUp(lab, client, url);
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
