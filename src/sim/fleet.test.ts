/**
 * The engine against a few stand-in hosts served in this process: real SSH on loopback (no root,
 * no lab), answering with the web tier's recordings. A slow host, a silent one, one that hangs
 * and one that drops the connection never hold up the others, each is reported for what it did,
 * and no more hosts than --forks are handled at once.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import { loadForRun } from '../engine/load.js';
import { runPlay } from '../engine/run.js';
import type { RunEvent } from '../engine/events.js';
import { startFleet, type Fleet } from './fleet.js';
import { assignBehaviours, parseBehaviours } from './behaviour.js';

const root = projectRoot();
const dirs: string[] = [];
const fleets: Fleet[] = [];
afterAll(async () => {
  for (const f of fleets) await f.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(count: number, spec: string, opts: { forks: number; connectTimeoutMs?: number; roundTripTimeoutMs?: number }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-sim-test-'));
  dirs.push(dir);
  const behaviours = assignBehaviours(count, parseBehaviours(spec));
  const fleet = await startFleet({
    count,
    workers: 1,
    inProcess: true,
    dir,
    recordingFile: path.join(root, 'src', 'sim', 'fixtures', 'web-tier.json'),
    rolesDir: path.join(root, 'bench', 'web-tier', 'roles'),
    behaviours,
  });
  fleets.push(fleet);
  const inv = await loadForRun({ inventory: fleet.inventoryDir });
  const events: RunEvent[] = [];
  const summary = await runPlay(inv, {
    tags: [],
    skipTags: [],
    check: false,
    diff: false,
    forceHandlers: false,
    acceptNewHostKeys: false,
    labAutoUp: false,
    listeners: [(e) => void events.push(e)],
    factsCacheDir: path.join(dir, 'cache', 'facts'),
    ...opts,
  });
  return { fleet, summary, events, names: fleet.hosts.map((h) => h.name), counters: await fleet.counters() };
}

const errorOf = (events: RunEvent[], host: string) => events.find((e): e is Extract<RunEvent, { type: 'host-unreachable' }> => e.type === 'host-unreachable' && e.host === host)?.error;

describe('stand-in hosts: the engine at the edges of a fleet', () => {
  it('slow, silent, hanging and dropping hosts are reported each for what they did; the others converge', async () => {
    const r = await run(10, 'slow:1:1500,silent:1,hang:1:1,drop:1:1', { forks: 3, connectTimeoutMs: 2000, roundTripTimeoutMs: 3000 });
    const [slow, silent, hang, drop, ...normal] = r.names as [string, string, string, string, ...string[]];
    expect(r.counters.missing).toBe(0);
    for (const h of [slow, ...normal]) expect(r.summary.recaps[h], h).toMatchObject({ changed: 0, failed: 0, unreachable: false });
    // empty caches: facts first, then the probes
    for (const h of [slow, ...normal]) expect(r.summary.roundTrips[h]).toBe(2);
    expect(errorOf(r.events, silent)).toMatch(/^Cannot connect to host "sim-2" \(127\.0\.0\.1:\d+\): Timed out while waiting for handshake$/);
    expect(errorOf(r.events, hang)).toBe('Host "sim-3" did not answer within 3 s (round trip timeout, --round-trip-timeout): nothing was changed there');
    expect(errorOf(r.events, drop)).toMatch(/^Cannot finish probing host "sim-4": the connection to host "sim-4" was lost during the round trip/);
    for (const h of [silent, hang, drop]) expect(r.summary.recaps[h]!.unreachable).toBe(true);
    expect(r.summary.failed).toBe(true);
    // never more hosts at once than --forks: from a host's first event to its host-done
    let open = 0;
    let peak = 0;
    const started = new Set<string>();
    for (const e of r.events) {
      if (e.type === 'host-phase' && e.phase === 'connecting' && !started.has(e.host)) started.add(e.host), (peak = Math.max(peak, ++open));
      if (e.type === 'host-done') open--;
    }
    expect(started.size).toBe(10);
    expect(peak).toBe(3);
  }, 120_000);

  it('a converged stand-in fleet: a no-op in one round trip per host once the caches are warm', async () => {
    const first = await run(6, '', { forks: 6 });
    expect(Object.values(first.summary.recaps).every((x) => x.changed === 0 && !x.unreachable && x.failed === 0)).toBe(true);
    const inv = await loadForRun({ inventory: first.fleet.inventoryDir });
    const again = await runPlay(inv, {
      tags: [],
      skipTags: [],
      check: false,
      diff: false,
      forceHandlers: false,
      acceptNewHostKeys: false,
      labAutoUp: false,
      listeners: [],
      factsCacheDir: path.join(path.dirname(first.fleet.inventoryDir), 'cache', 'facts'),
      forks: 6,
    });
    expect(Object.values(again.roundTrips)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Object.values(again.recaps).every((x) => x.changed === 0 && x.failed === 0)).toBe(true);
    expect((await first.fleet.counters()).missing).toBe(0);
  }, 120_000);
});
