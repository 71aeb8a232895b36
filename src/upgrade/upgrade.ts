/**
 * `wpha upgrade`: checks everything it can before touching anything (the group, its gate, the
 * image, the controls, the plan), takes the inventory's state lock, brings back a cluster a
 * killed run left (recover.ts), then replaces the group's machines batch by batch (batch.ts) or
 * upgrades its hosts in place (in-place.ts), pausing at checkpoints, watching alarms and baking;
 * on a failure with --auto-rollback, the hosts this roll made are replaced again from the image
 * they replaced.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { Inventory } from '../model.js';
import { UserError, WphaError } from '../errors.js';
import { Providers } from '../providers/registry.js';
import { StateStore, readState, withStateLock } from '../state/state-file.js';
import type { RolloutRecord, StateFile } from '../state/schema.js';
import { runBatch } from './batch.js';
import { Cluster } from './cluster.js';
import { upgradeInPlace } from './in-place.js';
import { formatPlan, planRollout, type RolloutPlan } from './plan.js';
import { recover } from './recover.js';
import type { UpgradeReporter } from './report.js';
import { raiseAlarms } from './serve.js';
import { resolveSettings, type Settings, type UpgradeFlags } from './settings.js';
import { Shells } from './shell.js';

export interface UpgradeRequest extends UpgradeFlags {
  group?: string;
  image?: string;
  inPlace?: boolean;
  continue?: boolean;
  abort?: boolean;
  rollback?: boolean;
  dryRun?: boolean;
}

export interface UpgradeResult {
  /** The plan's text (dry run), or undefined. */
  plan?: string;
  paused?: number;
  done: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The group's serving machines, oldest first (the order they are replaced in). */
function servingHosts(state: StateFile, group: string) {
  return Object.entries(state.machines)
    .filter(([, m]) => m.group === group && m.status === 'serving')
    .sort(([a, x], [b, y]) => x.created.localeCompare(y.created) || a.localeCompare(b))
    .map(([name, m]) => ({ name, image: m.image }));
}

/** What the command line and the inventory must get right before anything is touched. */
function checkRequest(inv: Inventory, req: UpgradeRequest, existing?: RolloutRecord): { group: string; image?: string; mode: 'replace' | 'in-place'; settings: Settings } {
  if (req.continue || req.abort || req.rollback) {
    if (!existing) throw new UserError(`Nothing to ${req.abort ? 'abort' : req.rollback ? 'roll back' : 'continue'}: no upgrade of inventory "${inv.name}" is under way`);
    if (req.group && req.group !== existing.group) throw new UserError(`The upgrade under way is of group "${existing.group}", not "${req.group}"`);
  }
  const group = req.group ?? existing?.group;
  if (!group) throw new UserError('Name the group to upgrade: --group GROUP');
  const spec = inv.groups.get(group);
  if (!spec) throw new UserError(`Inventory "${inv.name}" has no group "${group}"`);
  const mode = req.inPlace || existing?.mode === 'in-place' ? 'in-place' : 'replace';
  const image = req.image ?? (req.continue || req.abort || req.rollback ? existing?.image : undefined);
  if (mode === 'replace') {
    if (!spec.machines) throw new UserError(`Group "${group}" has no "machines:" settings: its hosts are written in inventory.yaml and cannot be replaced; upgrade them with --in-place`);
    const written = spec.hosts.filter((h) => !inv.hosts.get(h)?.machine);
    if (written.length) throw new UserError(`Group "${group}" has hosts written in inventory.yaml (${written.join(', ')}): \`wpha upgrade\` replaces only machines a provider made; upgrade those with --in-place`);
    if (!image) throw new UserError('Name the image generation to move to: --image GENERATION (see `wpha image list`)');
  }
  const checks = spec.upgrade?.checks ?? [];
  if (checks.length === 0) throw new UserError(`Group "${group}" declares no health check (groups.${group}.upgrade.checks in inventory.yaml): an upgrade needs a gate before a new host serves`);
  const flags: UpgradeFlags = req.continue && existing ? { ...(existing.options as UpgradeFlags), ...definedFlags(req) } : req;
  return { group, ...(image ? { image } : {}), mode, settings: resolveSettings(flags, spec.upgrade) };
}

function definedFlags(req: UpgradeRequest): UpgradeFlags {
  return Object.fromEntries(Object.entries(req).filter(([k, v]) => v !== undefined && !['group', 'image', 'inPlace', 'continue', 'abort', 'rollback', 'dryRun'].includes(k))) as UpgradeFlags;
}

function planOf(state: StateFile, group: string, image: string, s: Settings, rollout?: RolloutRecord): RolloutPlan {
  return planRollout(group, servingHosts(state, group), image, s, rollout ? { done: rollout.done, total: rollout.total, passed: rollout.checkpoints_passed.map(Number) } : undefined);
}

export async function upgrade(load: () => Promise<Inventory>, req: UpgradeRequest, report: UpgradeReporter): Promise<UpgradeResult> {
  const inv = await load();
  if (!inv.providers && !req.inPlace) throw new UserError(`Inventory "${inv.name}" declares no providers: nothing can make new hosts (upgrade written hosts with --in-place)`);
  const peek = readState(inv.dir);
  const { group, image, mode, settings } = checkRequest(inv, req, peek.rollout);
  if (peek.rollout && !req.continue && !req.abort && !req.rollback && (peek.rollout.group !== group || peek.rollout.image !== (image ?? 'in-place') || peek.rollout.mode !== mode)) {
    throw new UserError(`An upgrade of group "${peek.rollout.group}" to ${peek.rollout.image} is under way (${peek.rollout.status}): \`wpha upgrade --continue\`, \`--rollback\` or \`--abort\` it first`);
  }
  if (mode === 'replace') {
    const spec = inv.groups.get(group)!.machines!;
    const images = await new Providers(inv, peek.id, () => {}).get(spec.provider).images();
    if (!images.some((i) => i.id === image)) throw new UserError(`Unknown image generation "${image}" for provider "${spec.provider}": known are ${images.map((i) => i.id).join(', ') || 'none'} (see \`wpha image list\`)`);
    if (servingHosts(peek, group).length === 0 && !peek.rollout) throw new UserError(`Group "${group}" has no machine to replace (make some with \`wpha machines create\`)`);
  }
  // The plan is computed now, before the lock: bad controls (--batch 0, no capacity) are refused here.
  const dryPlan = mode === 'replace' ? planOf(peek, group, image!, settings, peek.rollout) : undefined;
  if (req.dryRun) {
    const text = dryPlan
      ? formatPlan(dryPlan, { soakSeconds: settings.soakMs / 1000, warmupSeconds: settings.warmupMs / 1000 })
      : `In-place upgrade of group "${group}": ${inv.groups.get(group)!.hosts.join(', ')}, one at a time: out of HAProxy, apt-get full-upgrade, restart what needs it, checks, back in service\n`;
    return { plan: (peek.rollout ? `An upgrade is under way (${peek.rollout.status}): a run first brings back what it left.\n` : '') + text, done: false };
  }
  return withStateLock(inv.dir, async () => {
    const store = new StateStore(inv.dir);
    const holder = `${userInfo().username}@${hostname()} pid ${process.pid}`;
    const shells = new Shells();
    const cl = new Cluster(inv, group, store, new Providers(inv, store.state.id, (s) => report.say(s)), shells, report, load, randomBytes(6).toString('hex'));
    try {
      const existing = store.state.rollout;
      const rollout: RolloutRecord = existing
        ? { ...existing, status: 'running', holder }
        : { id: cl.runId, group, image: image ?? 'in-place', mode, started: new Date().toISOString(), status: 'running', options: definedFlags(req) as Record<string, unknown>, done: 0, total: 0, checkpoints_passed: [], holder };
      store.update((s) => (s.rollout = rollout));
      if (existing) report.say(`Resuming the upgrade of group "${group}" started ${existing.started} (${existing.status}${existing.last_error ? `: ${existing.last_error}` : ''})`);
      await report.phase('recover', [], undefined, 'bring the cluster to a consistent state', () => recover(cl, { converge: existing !== undefined }));
      if (req.abort) {
        store.update((s) => delete s.rollout);
        report.say(`Upgrade of group "${group}" abandoned; hosts stay on the images they have`);
        return { done: false };
      }
      if (req.rollback) {
        await rollBack(cl, settings, store.state.rollout!);
        store.update((s) => delete s.rollout);
        return { done: true };
      }
      try {
        const r = mode === 'in-place' ? await runInPlace(cl, settings, store) : await runReplace(cl, settings, store, image!);
        if (r.paused !== undefined) return r;
        if (settings.bakeMs > 0) await report.phase('bake', [], undefined, `bake ${settings.bakeMs / 1000} s (alarms watched)`, () => bake(settings));
        store.update((s) => delete s.rollout);
        return r;
      } catch (e) {
        const message = (e as Error).message;
        // Nothing replaced yet (a first canary failed): the cluster is as it was, nothing is under way.
        const progressed = (store.state.rollout?.done ?? 0) > 0 || Object.values(store.state.machines).some((m) => m.rollout === store.state.rollout?.id);
        if (!progressed && !settings.autoRollback) {
          store.update((s) => delete s.rollout);
          throw new WphaError(`Upgrade of group "${group}" to ${image ?? 'the latest packages'} stopped before any host was replaced: ${message}. The cluster is as it was`);
        }
        store.update((s) => (s.rollout = { ...s.rollout!, status: 'failed', last_error: message }));
        if (settings.autoRollback && mode === 'replace') {
          report.say(`Rolling back (--auto-rollback): ${message}`);
          await rollBack(cl, settings, store.state.rollout!);
          store.update((s) => delete s.rollout);
          throw new WphaError(`Upgrade of group "${group}" to ${image} failed and was rolled back: ${message}`);
        }
        throw new WphaError(`Upgrade of group "${group}" to ${image ?? 'the latest packages'} stopped: ${message}. The cluster is consistent; \`wpha upgrade -i ${inv.name} --continue\` resumes, \`--rollback\` goes back`);
      }
    } finally {
      shells.closeAll();
    }
  }, 3000);
}

async function runReplace(cl: Cluster, s: Settings, store: StateStore, image: string): Promise<UpgradeResult> {
  const rollout = store.state.rollout!;
  const plan = planOf(store.state, cl.group, image, s, rollout.total ? rollout : undefined);
  if (!rollout.total) store.update((st) => (st.rollout = { ...st.rollout!, total: plan.batches.reduce((n, b) => n + b.replace.length, 0) }));
  cl.report.say(formatPlan(plan, { soakSeconds: s.soakMs / 1000, warmupSeconds: s.warmupMs / 1000 }).trimEnd());
  cl.report.emit({ type: 'upgrade-start', group: cl.group, image, mode: 'replace', batches: plan.batches.length, hosts: plan.batches.flatMap((b) => b.replace) });
  for (const b of plan.batches) {
    await raiseAlarms(s);
    await runBatch(cl, s, plan, b, store.state.rollout!);
    const r = store.state.rollout!;
    store.update((st) => (st.rollout = { ...r, done: r.done + b.replace.length, ...(b.pauseAt !== undefined ? { status: 'paused' as const, checkpoints_passed: [...r.checkpoints_passed, String(b.pauseAt)] } : {}) }));
    if (b.pauseAt !== undefined) {
      cl.report.say(`Paused at checkpoint ${b.pauseAt}%: ${store.state.rollout!.done} of ${store.state.rollout!.total} host(s) replaced. \`wpha upgrade -i ${cl.inv.name} --continue\` goes on, \`--rollback\` goes back`);
      return { paused: b.pauseAt, done: false };
    }
  }
  return { done: true };
}

async function runInPlace(cl: Cluster, s: Settings, store: StateStore): Promise<UpgradeResult> {
  await cl.reload();
  const hosts = cl.inv.groups.get(cl.group)!.hosts;
  cl.report.emit({ type: 'upgrade-start', group: cl.group, image: 'in-place', mode: 'in-place', batches: hosts.length, hosts });
  await upgradeInPlace(cl, s, store.state.rollout!, hosts);
  return { done: true };
}

async function bake(s: Settings): Promise<void> {
  const end = Date.now() + s.bakeMs;
  while (Date.now() < end) {
    await raiseAlarms(s);
    await sleep(Math.min(5000, Math.max(0, end - Date.now())));
  }
  await raiseAlarms(s);
}

/** Replace the hosts a roll made with new ones from the image they replaced, with the same gate. */
async function rollBack(cl: Cluster, s: Settings, rollout: RolloutRecord): Promise<void> {
  const made = Object.entries(cl.store.state.machines).filter(([, m]) => m.group === cl.group && m.rollout === rollout.id && m.status === 'serving' && m.replaced_image);
  const byImage = new Map<string, string[]>();
  for (const [n, m] of made) byImage.set(m.replaced_image!, [...(byImage.get(m.replaced_image!) ?? []), n]);
  if (byImage.size === 0) cl.report.say('Nothing to roll back: this upgrade replaced no host yet');
  for (const [image, names] of byImage) {
    const plan = planRollout(cl.group, names.map((n) => ({ name: n, image: cl.store.machine(n)!.image })), image, { ...s, checkpoints: [] });
    cl.report.say(`Roll back ${names.join(', ')} to ${image}:\n${formatPlan(plan, { soakSeconds: s.soakMs / 1000, warmupSeconds: s.warmupMs / 1000 }).trimEnd()}`);
    for (const b of plan.batches) await runBatch(cl, s, plan, b, { ...rollout, id: `${rollout.id}-back` });
  }
}
