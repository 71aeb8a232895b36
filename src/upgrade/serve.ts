/**
 * Taking hosts in and out of HAProxy during a roll, on every front server: a new host serves
 * after its gate and soaks (its error counters watched within the budget, alarms listened to);
 * an old host is drained (no new requests) until its open connections end, then put in
 * maintenance.
 */
import { WphaError } from '../errors.js';
import { firstAlarm } from './alarms.js';
import type { Cluster } from './cluster.js';
import { errorsOf, setStateScript } from './haproxy.js';
import { overBudget, type Settings } from './settings.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SoakError extends WphaError {}
export class AlarmError extends WphaError {}

/** Sum of a server's counters over every front. */
async function counters(cl: Cluster, names: string[]): Promise<{ errors: number; requests: number; scur: number }> {
  const stats = await cl.stats();
  let errors = 0;
  let requests = 0;
  let scur = 0;
  for (const servers of stats.values()) {
    for (const s of servers.filter((x) => names.includes(x.name))) {
      errors += errorsOf(s);
      requests += s.stot;
      scur += s.scur;
    }
  }
  return { errors, requests, scur };
}

export async function raiseAlarms(s: Settings): Promise<void> {
  const a = await firstAlarm(s.alarms);
  if (a) throw new AlarmError(`Alarm "${a.name}" raised: ${a.output}`);
}

/** Ready on every front, then warmup, then the soak window within the error budget. */
export async function serveAndSoak(cl: Cluster, s: Settings, names: string[]): Promise<{ errors: number; requests: number }> {
  for (const n of names) await cl.onFronts(`put "${n}" in service`, (f) => setStateScript(f, n, 'ready'));
  if (s.warmupMs > 0) await sleep(s.warmupMs);
  const base = await counters(cl, names);
  const end = Date.now() + s.soakMs;
  let lastAlarmCheck = 0;
  let now = base;
  while (Date.now() < end) {
    await sleep(Math.min(1000, Math.max(0, end - Date.now())));
    now = await counters(cl, names);
    const errors = now.errors - base.errors;
    const requests = now.requests - base.requests;
    if (overBudget(s.errorBudget, errors, requests)) {
      throw new SoakError(
        `${names.join(', ')} answered ${errors} error(s) in ${requests} request(s) while soaking, over the error budget (${'count' in s.errorBudget ? `${s.errorBudget.count} errors` : `${s.errorBudget.fraction * 100}%`})`,
      );
    }
    if (Date.now() - lastAlarmCheck > 5000) {
      lastAlarmCheck = Date.now();
      await raiseAlarms(s);
    }
  }
  return { errors: now.errors - base.errors, requests: now.requests - base.requests };
}

/**
 * Drain on every front, wait until no front has an open connection to them (or the timeout), then
 * maintenance. With `ifPresent` (recovering a killed run), a front that does not have the server is fine.
 */
export async function drainAndStop(cl: Cluster, s: Settings, names: string[], opts: { ifPresent?: boolean } = {}): Promise<{ waitedMs: number; cut: number }> {
  for (const n of names) await cl.onFronts(`drain "${n}"`, (f) => setStateScript(f, n, 'drain', opts));
  const t0 = Date.now();
  let open = (await counters(cl, names)).scur;
  while (open > 0 && Date.now() - t0 < s.drainTimeoutMs) {
    await sleep(500);
    open = (await counters(cl, names)).scur;
  }
  if (open > 0) cl.report.say(`warning: ${names.join(', ')} still had ${open} open connection(s) after ${s.drainTimeoutMs / 1000} s of draining: they are cut`);
  for (const n of names) await cl.onFronts(`put "${n}" in maintenance`, (f) => setStateScript(f, n, 'maint', opts));
  return { waitedMs: Date.now() - t0, cut: open };
}
