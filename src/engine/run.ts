/**
 * A whole run: load and validate everything first (nothing is touched when anything is wrong),
 * bring lab hosts up when the inventory is the lab, then converge the selected hosts batch by
 * batch (src/rollout plans the batches and says when a batch stops the run; without `serial`
 * there is one batch), the hosts of a batch in parallel (bounded by --forks) over one SSH
 * connection each, and report.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { Inventory, HostSpec } from '../model.js';
import { OPS } from '../ops/registry.js';
import { createRenderer } from '../template/index.js';
import type { Connector } from '../transport/connector.js';
import type { KnownHosts } from '../transport/known-hosts.js';
import { openHost, withConnectTimeout } from './connect.js';
import { pool } from './pool.js';
import { fitForks } from './fd-limit.js';
import { DelegateConnections } from './delegates.js';
import { contentStoreFor, type ContentStore } from './content-store.js';
import { ConnectError, UserError, WphaError } from '../errors.js';
import { EventBus, emptyRecap, type Listener, type Recap } from './events.js';
import { convergeHost } from './converge.js';
import type { HostPlay, PlayTask } from './host-play.js';
import { factsCacheDir, factsStore } from './facts-cache.js';
import { selectHosts, taskSelected } from './limit.js';
import { Remote } from './remote.js';
import { groupsMap, hostScope, hostvarsMap } from './scope.js';
import { secretsRedactor } from './load.js';
import { partialDirs } from './check-templates.js';
import type { Redactor } from '../secrets/redactor.js';
import { batchesForRun, hostsOfShard } from '../rollout/units.js';
import type { Shard } from '../rollout/shard.js';
import { judgeBatch } from '../rollout/plan.js';
import type { BatchEntry } from '../rollout/batch-size.js';

export interface RunOptions {
  limit?: string;
  tags: string[];
  skipTags: string[];
  check: boolean;
  diff: boolean;
  forks: number;
  /** --connect-timeout: replaces the inventory's ssh.connect_timeout. */
  connectTimeoutMs?: number;
  /** --round-trip-timeout (0: no limit); default DEFAULT_ROUND_TRIP_TIMEOUT_S. */
  roundTripTimeoutMs?: number;
  forceHandlers: boolean;
  acceptNewHostKeys: boolean;
  /** Sudo password for become (from a prompt); inventories may also set `become_password`. */
  becomePassword?: string;
  signal?: AbortSignal;
  listeners: Listener[];
  factsCacheDir?: string;
  /** Identifies the run in host locks and the run log. */
  runId?: string;
  /** Wait this long for a host another run holds (default 0: fail at once, naming the holder). */
  lockTimeoutSeconds?: number;
  /** `--serial`: batch the whole selection this way (overrides the groups' `serial`). */
  serial?: BatchEntry[];
  /** `--max-fail-percentage`: replaces the groups' `max_fail_percentage`. */
  maxFailPercentage?: number;
  /** `--shard i/n`: converge only this shard's part of the selected hosts. */
  shard?: Shard;
}

export interface RunSummary {
  recaps: Record<string, Recap>;
  failed: boolean;
  changed: boolean;
  interrupted: boolean;
  ms: number;
  roundTrips: Record<string, number>;
  /** Hosts never contacted because the rollout stopped (or the run was interrupted) before their batch. */
  notRun: string[];
  /** Why the rollout stopped, when a batch broke its failure budget. */
  stopped?: string;
}

export async function runPlay(inv: Inventory, opts: RunOptions): Promise<RunSummary> {
  const t0 = Date.now();
  const matching = selectHosts(inv, opts.limit);
  if (matching.length === 0) throw new UserError(`No host of inventory "${inv.name}" matches --limit "${opts.limit}"`);
  // A shard may be empty (more agents than hosts): it then converges nothing and reports so.
  const selected = opts.shard ? hostsOfShard(inv, matching, opts.shard) : matching;
  // A host whose groups give it no role has nothing to converge: it is not contacted.
  const hosts = selected.filter((h) => inv.hosts.get(h)!.roles.length > 0);
  const withRoles = new Set(hosts);
  const withoutRoles = selected.filter((h) => !withRoles.has(h));
  const redactor = secretsRedactor(inv, [opts.becomePassword]);
  const bus = new EventBus(redactor);
  for (const l of opts.listeners) bus.on(l);
  const renderer = createRenderer({ partialDirs: partialDirs(inv), displayRoot: process.cwd() });
  // What every host's plan shares, built when the first host has connected, not before the first
  // connection (every host's vars copied: ~3 ms of start-up for a 50-host inventory; docs/startup.md).
  let sharedPlay: { shared: { groups: Record<string, unknown>; hostvars: Record<string, unknown> }; runOnceOwner: Map<string, string> } | undefined;
  const playShared = () => (sharedPlay ??= { shared: { groups: groupsMap(inv), hostvars: hostvarsMap(inv) }, runOnceOwner: runOnceOwners(inv, hosts, opts) });
  const runId = opts.runId ?? randomBytes(6).toString('hex');
  const holder = `${userInfo().username}@${hostname()} pid ${process.pid} since ${new Date().toISOString()}`;
  const knownHostsByFile = new Map<string, KnownHosts>();
  const delegates = new DelegateConnections(inv, { acceptNewHostKeys: opts.acceptNewHostKeys, knownHosts: knownHostsByFile, becomePassword: opts.becomePassword });
  const recaps: Record<string, Recap> = {};
  const roundTrips: Record<string, number> = {};
  let anyFailed = false;
  let interrupted = false;
  const failedHosts = new Set<string>();
  // Hosts at once: --forks, within what the open-files limit allows (raised when it can be).
  const fit = fitForks(Math.max(1, opts.forks));
  if (fit.note) process.stderr.write(`wpha: ${fit.note}\n`);
  const batches = batchesForRun(inv, hosts, {
    check: opts.check,
    ...(opts.serial ? { serial: opts.serial } : {}),
    ...(opts.maxFailPercentage !== undefined ? { maxFailPercentage: opts.maxFailPercentage } : {}),
  });

  bus.emit({
    type: 'run-start',
    inventory: inv.name,
    hosts,
    withoutRoles,
    check: opts.check,
    at: new Date().toISOString(),
    ...(opts.shard ? { shard: `${opts.shard.index}/${opts.shard.count}` } : {}),
  });
  const convergeOne = async (name: string): Promise<void> => {
    const host = inv.hosts.get(name)!;
    const th = Date.now();
    if (opts.signal?.aborted) {
      interrupted = true;
      return;
    }
    bus.emit({ type: 'host-phase', host: name, phase: 'connecting' });
    let conn: Connector | undefined;
    let remote: Remote | undefined;
    let content: ContentStore | undefined;
    try {
      conn = await openHost(withConnectTimeout(host, opts.connectTimeoutMs), { acceptNewHostKeys: opts.acceptNewHostKeys, knownHosts: knownHostsByFile });
      const becomePassword = typeof host.vars.become_password === 'string' ? host.vars.become_password : opts.becomePassword;
      remote = new Remote(conn, name, host.user, host.become, becomePassword);
      if (opts.roundTripTimeoutMs !== undefined) remote.roundTripTimeoutMs = opts.roundTripTimeoutMs;
      // Plans change nothing and do not lock; applies take the host's lock beside the first round trip.
      if (!opts.check) remote.startLock(runId, holder, opts.lockTimeoutSeconds ?? 0);
      const { shared, runOnceOwner } = playShared();
      const play = hostPlay(inv, host, shared, runOnceOwner, opts);
      content = contentStoreFor(path.join(path.dirname(opts.factsCacheDir ?? factsCacheDir()), 'content'), inv.dir, inv.name, name, redactor);
      const r = await convergeHost(
        play,
        { check: opts.check, diff: opts.diff, forceHandlers: opts.forceHandlers, ...(opts.signal ? { signal: opts.signal } : {}) },
        {
          remote,
          renderer,
          ops: OPS,
          bus,
          facts: factsStore(opts.factsCacheDir ?? factsCacheDir(), inv.dir, inv.name, name),
          content,
          delegate: (other) => delegates.get(other),
        },
      );
      recaps[name] = r.recap;
      if (r.failed) anyFailed = true;
      if (r.failed) failedHosts.add(name);
      if (r.interrupted) interrupted = true;
    } catch (e) {
      anyFailed = true;
      failedHosts.add(name);
      const recap = recaps[name] ?? emptyRecap();
      const msg = redactor.redact(e instanceof WphaError || e instanceof Error ? e.message : String(e));
      if (e instanceof ConnectError) {
        recap.unreachable = true;
        bus.emit({ type: 'host-unreachable', host: name, error: msg });
      } else {
        recap.failed++;
        bus.emit({ type: 'host-failed', host: name, error: msg });
      }
      recaps[name] = recap;
    } finally {
      content?.save();
      await remote?.releaseLock();
      conn?.close();
      roundTrips[name] = remote?.roundTrips ?? 0;
      const recap = (recaps[name] ??= emptyRecap());
      recap.ms = Date.now() - th;
      bus.emit({ type: 'host-done', host: name, recap, roundTrips: roundTrips[name]!, ms: recap.ms });
    }
  };
  // A batch starts only when the previous one has finished; the batch that breaks its failure
  // budget stops the run before the next batch touches any host.
  const notRun: string[] = [];
  let stopped: string | undefined;
  for (const batch of batches) {
    if (stopped || opts.signal?.aborted) {
      notRun.push(...batch.hosts);
      continue;
    }
    if (batches.length > 1) bus.emit({ type: 'batch-start', batch: batch.index, batches: batches.length, hosts: batch.hosts });
    await pool(batch.hosts, fit.forks, convergeOne);
    stopped = judgeBatch(batch, failedHosts, batches.length);
    if (stopped) bus.emit({ type: 'rollout-stopped', batch: batch.index, batches: batches.length, reason: stopped, notRun: batches.slice(batch.index).flatMap((b) => b.hosts) });
  }
  delegates.closeAll();
  const changed = Object.values(recaps).some((r) => r.changed > 0);
  const summary: RunSummary = {
    recaps,
    failed: anyFailed,
    changed,
    interrupted: interrupted || Boolean(opts.signal?.aborted),
    ms: Date.now() - t0,
    roundTrips,
    notRun,
    ...(stopped ? { stopped } : {}),
  };
  bus.emit({ type: 'run-done', recaps, ms: summary.ms, failed: anyFailed, changed, interrupted: summary.interrupted, ...(notRun.length ? { notRun } : {}) });
  return summary;
}

function hostPlay(inv: Inventory, host: HostSpec, shared: { groups: Record<string, unknown>; hostvars: Record<string, unknown> }, owners: Map<string, string>, opts: RunOptions): HostPlay {
  const tasks: PlayTask[] = [];
  const handlers: HostPlay['handlers'] = [];
  for (const r of host.roles) {
    const role = inv.roles.get(r)!;
    for (const task of role.tasks) if (taskSelected(task.tags, opts.tags, opts.skipTags)) tasks.push({ task, role });
    for (const handler of role.handlers) handlers.push({ handler, role });
  }
  const runOnceElsewhere = new Map<number, string>();
  tasks.forEach(({ task }, i) => {
    const owner = owners.get(task.id);
    if (task.runOnce && owner && owner !== host.name) runOnceElsewhere.set(i, owner);
  });
  return { host: host.name, tasks, handlers, runOnceElsewhere, baseScope: (facts) => hostScope(inv, host, shared, facts) };
}

/** For each run_once task, the first selected host (inventory order) that has it. */
function runOnceOwners(inv: Inventory, hosts: string[], opts: RunOptions): Map<string, string> {
  const owners = new Map<string, string>();
  for (const h of hosts) {
    for (const r of inv.hosts.get(h)!.roles) {
      for (const t of inv.roles.get(r)?.tasks ?? []) if (t.runOnce && !owners.has(t.id) && taskSelected(t.tags, opts.tags, opts.skipTags)) owners.set(t.id, h);
    }
  }
  return owners;
}

export type { Redactor };
