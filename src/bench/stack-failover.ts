/**
 * The failover runs of the stack bench: a client on the load host requests the site through the
 * VIP in a loop (a new connection each time, 1 s timeout, every ~100 ms) while one thing happens
 * to the front server holding the VIP. Planned: a restart of HAProxy, a restart of keepalived
 * (both hand the VIP over first). Unplanned: HAProxy killed, HAProxy hung for 8 s. Figures:
 * failed requests and how long they lasted (failover.ts reads the loop's log).
 */
import { clientLoopScript, failedRequests, outageOf, parseSamples, type Outage } from './failover.js';
import { runOnHost, type SshTarget } from './stack-load.js';

export interface FailoverFigures {
  label: string;
  planned: boolean;
  /** The front that held the VIP, and the one holding it afterwards. */
  from: string;
  to: string;
  outage: Outage;
}

export const FAILOVER_SCENARIOS: { label: string; planned: boolean; action: string }[] = [
  { label: 'planned: HAProxy restart on the VIP holder', planned: true, action: 'systemctl restart haproxy' },
  { label: 'planned: keepalived restart on the VIP holder', planned: true, action: 'systemctl restart keepalived' },
  { label: 'unplanned: HAProxy killed (SIGKILL) on the VIP holder', planned: false, action: 'kill -9 "$(systemctl show -p MainPID --value haproxy)"' },
  { label: 'unplanned: HAProxy hung 8 s (SIGSTOP) on the VIP holder', planned: false, action: 'kill -STOP $(pidof haproxy); sleep 8; kill -CONT $(pidof haproxy)' },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FailoverTargets {
  client: SshTarget;
  fronts: (SshTarget & { name: string })[];
  vip: string;
  site: string;
}

async function holder(t: FailoverTargets): Promise<(SshTarget & { name: string }) | undefined> {
  for (const f of t.fronts) if ((await runOnHost(f, 'ip -4 -o addr show', 30_000)).stdout.includes(` ${t.vip}/`)) return f;
  return undefined;
}

/** Until one front holds the VIP and the others are back as backups (their last VRRP state). */
async function settled(t: FailoverTargets): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const h = await holder(t);
    const others = t.fronts.filter((f) => f !== h);
    const states = await Promise.all(others.map((f) => runOnHost(f, 'journalctl -u keepalived --no-pager -o cat | grep Entering | tail -n 1', 30_000)));
    if (h && states.every((s) => s.stdout.includes('BACKUP'))) return;
    await sleep(1000);
  }
  throw new Error('The front servers did not settle (one VIP holder, the others backups) within 60 s');
}

export async function failoverRuns(t: FailoverTargets, log: (s: string) => void, signal: AbortSignal): Promise<FailoverFigures[]> {
  const out: FailoverFigures[] = [];
  for (const sc of FAILOVER_SCENARIOS) {
    signal.throwIfAborted();
    await settled(t);
    const from = (await holder(t))!;
    const stop = `/tmp/wpha-bench-failover-${Date.now()}`;
    const loop = runOnHost(t.client, clientLoopScript(`http://${t.vip}/`, 90, stop, t.site), 150_000);
    await sleep(3000);
    await runOnHost(from, sc.action, 60_000);
    await sleep(8000);
    await runOnHost(t.client, `touch ${stop}`, 30_000);
    const samples = parseSamples((await loop).stdout);
    const outage = outageOf(samples);
    const failed = failedRequests(samples);
    const to = (await holder(t))?.name ?? 'none';
    out.push({ label: sc.label, planned: sc.planned, from: from.name, to, outage });
    log(`${sc.label}: ${outage.failed} failed of ${outage.total}, ${(outage.outageMs / 1000).toFixed(1)} s; VIP ${from.name} -> ${to}${failed.length ? ` [${failed.join(', ')}]` : ''}`);
  }
  await settled(t);
  return out;
}
