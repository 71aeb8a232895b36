/**
 * One run unit on the lab, as molecule's `test` sequence: validate the inventory the unit makes
 * (before any host boots), boot fresh hosts, converge, converge again (any changed task fails the
 * unit, listed), verify every scenario's checks, destroy the hosts (unless kept).
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadForRun } from '../engine/load.js';
import { runPlay, type RunSummary } from '../engine/run.js';
import { failedForGood, type RunEvent } from '../engine/events.js';
import type { Inventory } from '../model.js';
import { InputError, type InputIssue } from '../errors.js';
import { plainReporter } from '../report/plain.js';
import { bootUnitHosts, unitHostNames, type UnitHosts } from './lab-hosts.js';
import { unitChecks, unitInventory, type RunUnit, type UnitNames } from './units.js';
import { verifyHosts, type CheckResult, type PlacedCheck } from './verify.js';

export interface UnitRunOptions {
  keep: boolean;
  verbose: boolean;
  say: (line: string) => void;
  signal?: AbortSignal;
}

export interface UnitOutcome {
  ok: boolean;
  /** Why the unit failed before or instead of its checks (converge failures, changed tasks). */
  failures: string[];
  checks: CheckResult[];
  /** The failures were already printed as they happened. */
  printed?: boolean;
  /** Set when --keep left the hosts up. */
  kept?: { inventory: string; hosts: string[] };
}

/** Writes inventory.yaml (roles/ links to the folder holding the scenarios' roles) and loads it. */
export async function writeAndLoad(dir: string, u: RunUnit, names: UnitNames, over: Record<string, unknown> = {}): Promise<Inventory> {
  writeFileSync(path.join(dir, 'inventory.yaml'), stringify({ ...unitInventory(u, names), ...over }));
  try {
    return await loadForRun({ inventory: dir });
  } catch (e) {
    if (e instanceof InputError)
      throw new InputError(
        e.issues.map((i) => inScenario(i, u, names)),
        `Invalid scenario ${u.scenarios.map((s) => `"${s.id}"`).join(', ')}`,
      );
    throw e;
  }
}

/**
 * An issue of the generated inventory, pointed back at the scenario file that set the value: the
 * inventory has the scenario's own layout (vars, groups.G.vars; hosts.H.vars is host_vars.H).
 */
function inScenario(issue: InputIssue, u: RunUnit, names: UnitNames): InputIssue {
  const p = issue.path;
  const logical = p[0] === 'hosts' ? Object.entries(names.host).find(([, lab]) => lab === p[1])?.[0] : undefined;
  const mapped = logical && p[2] === 'vars' ? ['host_vars', logical, ...p.slice(3)] : p;
  for (const s of u.scenarios) {
    for (let n = mapped.length; n > 0; n--) {
      const location = s.locate(mapped.slice(0, n));
      if (location) return { ...issue, location, path: mapped };
    }
  }
  return issue;
}

/** Addresses that only serve to validate the inventory before hosts exist. */
function placeholderNames(u: RunUnit, host: Record<string, string>): UnitNames {
  const address: Record<string, string> = {};
  [...u.hosts, ...u.addresses].forEach((n, i) => (address[n] = `192.0.2.${i + 1}`));
  const knownHosts = Object.fromEntries(u.hosts.map((h) => [h, `${address[h]} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderKeyBeforeTheHostBoots`]));
  return { host, address, knownHosts };
}

/** The inventory a lab unit makes, loaded and checked with stand-in addresses (no host, no root). */
export async function validateLabUnit(u: RunUnit): Promise<Inventory> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-test-'));
  try {
    symlinkSync(path.dirname(u.scenarios[0]!.roleDir), path.join(dir, 'roles'));
    return await writeAndLoad(dir, u, placeholderNames(u, unitHostNames(u.hosts)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runLabUnit(u: RunUnit, opts: UnitRunOptions): Promise<UnitOutcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-test-'));
  symlinkSync(path.dirname(u.scenarios[0]!.roleDir), path.join(dir, 'roles'));
  const hostNames = unitHostNames(u.hosts);
  let hosts: UnitHosts | undefined;
  let keep = false;
  try {
    // Bad variables or roles are reported before anything boots.
    await writeAndLoad(dir, u, placeholderNames(u, hostNames));
    const t0 = Date.now();
    hosts = await bootUnitHosts(hostNames, u.addresses, opts.verbose ? (s) => opts.say(`    lab: ${s}`) : () => {});
    opts.say(`  create       ${hosts.machines.map((m, i) => `${m} (${hosts!.names.address[u.hosts[i]!]})`).join(', ')} in ${secs(t0)}`);
    const inv = await writeAndLoad(dir, u, hosts.names);
    const failures: string[] = [];

    const first = await converge(inv, dir, opts);
    opts.say(`  converge     ${recapLine(first.summary)} in ${secs(first.t0)}`);
    failures.push(...first.failed);
    for (const f of first.failed) opts.say(`  ! ${f}`);
    if (failures.length === 0) {
      const second = await converge(inv, dir, opts);
      const changed = second.tasks.filter((t) => t.status === 'changed');
      opts.say(
        `  idempotence  ${changed.length === 0 && second.failed.length === 0 ? 'ok: 0 changed' : `FAILED: ${changed.length} changed`} in ${secs(second.t0)} (${Object.values(second.summary.roundTrips).join('/')} round trip(s))`,
      );
      const more = [...second.failed, ...changed.map((t) => `not idempotent: ${t.host} ${t.role}: "${t.task}" changed on the second converge${t.summary.length ? ` (${t.summary.join('; ')})` : ''}`)];
      for (const f of more) opts.say(`  ! ${f}`);
      failures.push(...more);
    }
    let checks: CheckResult[] = [];
    if (failures.length === 0) {
      const t1 = Date.now();
      const placed: PlacedCheck[] = u.scenarios.flatMap((s) =>
        unitChecks(s, u, hosts!.names).flatMap(({ check, index, hosts: on }) => on.map((host) => ({ key: `${s.id}#${index}`, scenario: s.id, check, host }))),
      );
      checks = await verifyHosts(inv, placed);
      const bad = checks.filter((c) => !c.verdict.ok).length;
      opts.say(`  verify       ${bad === 0 ? 'ok' : `FAILED`}: ${checks.length - bad}/${checks.length} check(s) passed in ${secs(t1)}`);
    }
    const ok = failures.length === 0 && checks.every((c) => c.verdict.ok);
    keep = opts.keep;
    return { ok, failures, printed: true, checks, ...(keep ? { kept: { inventory: dir, hosts: hosts.machines } } : {}) };
  } finally {
    if (!keep) {
      if (hosts) {
        const t2 = Date.now();
        await hosts.release();
        opts.say(`  destroy      ${hosts.machines.join(', ')} in ${secs(t2)}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

interface TaskEvent {
  host: string;
  role: string;
  task: string;
  status: string;
  summary: string[];
  error?: string;
}

async function converge(inv: Inventory, dir: string, opts: UnitRunOptions): Promise<{ summary: RunSummary; tasks: TaskEvent[]; failed: string[]; t0: number }> {
  const t0 = Date.now();
  const events: RunEvent[] = [];
  const listeners = [(e: RunEvent) => void events.push(e), ...(opts.verbose ? [plainReporter((s) => opts.say(s.replace(/\n$/, '')), { diff: false, verbose: false })] : [])];
  const summary = await runPlay(inv, {
    tags: [],
    skipTags: [],
    check: false,
    diff: false,
    forks: 10,
    forceHandlers: false,
    acceptNewHostKeys: false,
    listeners,
    factsCacheDir: path.join(dir, '.cache', 'facts'),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const tasks = events.filter((e): e is Extract<RunEvent, { type: 'task' }> => e.type === 'task');
  const failed = [
    ...tasks.filter(failedForGood).map((t) => `${t.host} ${t.role}: "${t.task}" failed: ${t.error ?? ''}`.trim()),
    ...events.flatMap((e) => (e.type === 'host-failed' || e.type === 'host-unreachable' ? [`${e.host}: ${e.error}`] : [])),
    ...(summary.interrupted ? ['interrupted'] : []),
  ];
  return { summary, tasks, failed, t0 };
}

function recapLine(s: RunSummary): string {
  const r = Object.values(s.recaps);
  const sum = (k: 'changed' | 'ok' | 'failed') => r.reduce((n, x) => n + x[k], 0);
  return `${sum('failed') > 0 || s.failed ? 'FAILED' : 'ok'}: ${sum('changed')} changed, ${sum('ok')} ok, ${sum('failed')} failed`;
}

const secs = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
