/**
 * Connections opened while the inventory loads, against stand-in hosts served in this process
 * (real SSH on loopback, the web tier's recorded answers; src/sim): the run takes them instead of
 * connecting again, only the hosts it will reach are connected (limit, hosts without roles, at
 * most --forks), a failed early connect is reported as the run's own would be, and nothing is
 * opened for the lab or batched groups.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import type { EarlyHosts } from '../model.js';
import { loadForRun } from './load.js';
import { runPlay } from './run.js';
import type { RunEvent } from './events.js';
import { Preconnected } from './preconnect.js';
import { startFleet, type Fleet } from '../sim/fleet.js';
import { assignBehaviours, parseBehaviours } from '../sim/behaviour.js';

const root = projectRoot();
const dirs: string[] = [];
const fleets: Fleet[] = [];
afterAll(async () => {
  for (const f of fleets) await f.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function fleetOf(count: number, spec = '') {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-preconnect-test-'));
  dirs.push(dir);
  const fleet = await startFleet({
    count,
    workers: 1,
    inProcess: true,
    dir,
    recordingFile: path.join(root, 'src', 'sim', 'fixtures', 'web-tier.json'),
    rolesDir: path.join(root, 'bench', 'web-tier', 'roles'),
    behaviours: assignBehaviours(count, parseBehaviours(spec)),
  });
  fleets.push(fleet);
  return { fleet, dir };
}

const runWith = (inv: Awaited<ReturnType<typeof loadForRun>>, dir: string, pre: Preconnected, extra: { limit?: string; forks?: number; connectTimeoutMs?: number } = {}) => {
  const events: RunEvent[] = [];
  return runPlay(inv, {
    tags: [],
    skipTags: [],
    check: false,
    diff: false,
    forceHandlers: false,
    acceptNewHostKeys: false,
    listeners: [(e) => void events.push(e)],
    factsCacheDir: path.join(dir, 'cache', 'facts'),
    forks: extra.forks ?? 10,
    ...(extra.limit ? { limit: extra.limit } : {}),
    ...(extra.connectTimeoutMs ? { connectTimeoutMs: extra.connectTimeoutMs } : {}),
    preconnected: pre,
  }).then((summary) => ({ summary, events }));
};

describe('connections opened while the inventory loads', () => {
  it('opens the selected hosts only (at most --forks), and the run converges on those connections', async () => {
    const { fleet, dir } = await fleetOf(4);
    const pre = new Preconnected({ limit: 'sim-*:!sim-4', forks: 2, acceptNewHostKeys: false });
    const inv = await loadForRun({ inventory: fleet.inventoryDir, onHosts: pre.start });
    // sim-4 is excluded by the limit; of the three selected, --forks 2 opens the first two.
    expect(pre.waiting).toEqual(['sim-1', 'sim-2']);
    const { summary } = await runWith(inv, dir, pre, { limit: 'sim-*:!sim-4', forks: 2 });
    expect(Object.keys(summary.recaps).sort()).toEqual(['sim-1', 'sim-2', 'sim-3']);
    for (const r of Object.values(summary.recaps)) expect(r).toMatchObject({ failed: 0, unreachable: false });
    expect(summary.failed).toBe(false);
    expect(pre.waiting).toEqual([]); // taken by the run
    // One SSH connection per host reached: the early ones were taken, not opened again.
    expect((await fleet.counters()).connections).toBe(3);
  }, 120_000);

  it('a host that cannot be reached early is reported by the run as it would be without', async () => {
    const { fleet, dir } = await fleetOf(2, 'silent:1');
    const pre = new Preconnected({ forks: 10, connectTimeoutMs: 1500, acceptNewHostKeys: false });
    const inv = await loadForRun({ inventory: fleet.inventoryDir, onHosts: pre.start });
    const { summary, events } = await runWith(inv, dir, pre, { connectTimeoutMs: 1500 });
    const unreachable = events.find((e): e is Extract<RunEvent, { type: 'host-unreachable' }> => e.type === 'host-unreachable');
    expect(unreachable?.host).toBe('sim-1');
    expect(unreachable?.error).toMatch(/^Cannot connect to host "sim-1" \(127\.0\.0\.1:\d+\): Timed out while waiting for handshake$/);
    expect(summary.recaps['sim-2']).toMatchObject({ failed: 0, unreachable: false });
  }, 120_000);

  it('opens nothing for the lab, for batched groups, or once closed; hands back nothing opened with other settings', async () => {
    const { fleet } = await fleetOf(1);
    const inv = await loadForRun({ inventory: fleet.inventoryDir });
    const host = inv.hosts.get('sim-1')!;
    const early = (over: Partial<EarlyHosts>): EarlyHosts => ({
      name: inv.name,
      lab: false,
      batched: false,
      groups: inv.groups,
      hosts: new Map([['sim-1', { ...host, withRoles: true }]]),
      ...over,
    });
    for (const over of [{ lab: true }, { batched: true }]) {
      const pre = new Preconnected({ forks: 5, acceptNewHostKeys: false });
      pre.start(early(over));
      expect(pre.waiting, JSON.stringify(over)).toEqual([]);
    }
    const closed = new Preconnected({ forks: 5, acceptNewHostKeys: false });
    closed.closeUnused();
    closed.start(early({}));
    expect(closed.waiting).toEqual([]);
    const pre = new Preconnected({ forks: 5, acceptNewHostKeys: false });
    pre.start(early({}));
    expect(pre.waiting).toEqual(['sim-1']);
    expect(pre.take({ ...host, port: host.port + 1 })).toBeUndefined(); // other settings: not this connection
    expect(pre.waiting).toEqual([]);
    // A bad --limit is left to the full load to report: nothing is opened.
    const badLimit = new Preconnected({ limit: 'nosuch', forks: 5, acceptNewHostKeys: false });
    badLimit.start(early({}));
    expect(badLimit.waiting).toEqual([]);
  }, 60_000);
});
