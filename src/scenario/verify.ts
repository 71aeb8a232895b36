/**
 * The verify step: every check of a host in ONE read-only round trip (the engine's probe
 * sections, over the same SSH settings and become as an apply), judged on the controller. A
 * failing check that allows retries runs again, a second apart, alone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostSpec, Inventory } from '../model.js';
import { openHost } from '../engine/connect.js';
import { Remote } from '../engine/remote.js';
import type { KnownHosts } from '../transport/known-hosts.js';
import { checkFragment, describeCheck } from './checks.js';
import { evaluateCheck, type Verdict } from './evaluate.js';
import type { Check } from './schema.js';

export interface PlacedCheck {
  /** `<scenario id>#<index>` */
  key: string;
  scenario: string;
  check: Check;
  host: string;
}

export interface CheckResult extends PlacedCheck {
  verdict: Verdict;
  label: string;
}

async function probeHost(remote: Remote, checks: readonly PlacedCheck[]): Promise<Map<string, { stdout: string; rc: number }>> {
  const probes = checks.map((c, i) => ({ id: `c${i}`, fragment: checkFragment(c.check, `c${i}`) }));
  const r = await remote.run({ preludes: [], staged: [], applies: [], facts: false, probes });
  return new Map(checks.map((c, i) => [c.key, r.probes.get(`c${i}`)!]));
}

/** Runs `checks` (already placed on hosts) and returns one result per check, in order. */
export async function verifyHosts(inv: Inventory, checks: readonly PlacedCheck[]): Promise<CheckResult[]> {
  const known = new Map<string, KnownHosts>();
  const byHost = new Map<string, PlacedCheck[]>();
  for (const c of checks) byHost.set(c.host, [...(byHost.get(c.host) ?? []), c]);
  const results = new Map<string, CheckResult>();
  const keyOf = (c: PlacedCheck) => `${c.key}@${c.host}`;
  await Promise.all(
    [...byHost].map(async ([hostName, list]) => {
      const host: HostSpec = inv.hosts.get(hostName)!;
      const conn = await openHost(host, { acceptNewHostKeys: false, knownHosts: known });
      try {
        const remote = new Remote(conn, hostName, host.user, host.become);
        const judge = (out: Map<string, { stdout: string; rc: number }>, c: PlacedCheck) =>
          results.set(keyOf(c), { ...c, label: describeCheck(c.check), verdict: evaluateCheck(c.check, out.get(c.key)) });
        const first = await probeHost(remote, list);
        list.forEach((c) => judge(first, c));
        for (let attempt = 1; ; attempt++) {
          const again = list.filter((c) => !results.get(keyOf(c))!.verdict.ok && (c.check.retries ?? 0) >= attempt);
          if (again.length === 0) break;
          await sleep(1000);
          const out = await probeHost(remote, again);
          again.forEach((c) => judge(out, c));
        }
      } finally {
        conn.close();
      }
    }),
  );
  return checks.map((c) => results.get(keyOf(c))!);
}
