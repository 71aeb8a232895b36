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
import type { RolloutRecord } from '../state/schema.js';
import { Cluster } from './cluster.js';
import { formatPlan } from './plan.js';
import { recover } from './recover.js';
import type { UpgradeReporter } from './report.js';
import { bake, planOf, rollBack, runInPlace, runReplace, servingHosts, type UpgradeResult } from './runs.js';
import { resolveSettings, type Settings, type UpgradeFlags } from './settings.js';
import { Shells } from './shell.js';

export type { UpgradeResult };

export interface UpgradeRequest extends UpgradeFlags {
  group?: string;
  image?: string;
  inPlace?: boolean;
  continue?: boolean;
  abort?: boolean;
  rollback?: boolean;
  dryRun?: boolean;
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
    if (written.length)
      throw new UserError(`Group "${group}" has hosts written in inventory.yaml (${written.join(', ')}): \`wpha upgrade\` replaces only machines a provider made; upgrade those with --in-place`);
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

export async function upgrade(load: () => Promise<Inventory>, req: UpgradeRequest, report: UpgradeReporter): Promise<UpgradeResult> {
  const inv = await load();
  if (!inv.providers && !req.inPlace) throw new UserError(`Inventory "${inv.name}" declares no providers: nothing can make new hosts (upgrade written hosts with --in-place)`);
  const peek = readState(inv.dir);
  const { group, image, mode, settings } = checkRequest(inv, req, peek.rollout);
  if (peek.rollout && !req.continue && !req.abort && !req.rollback && (peek.rollout.group !== group || peek.rollout.image !== (image ?? 'in-place') || peek.rollout.mode !== mode)) {
    throw new UserError(
      `An upgrade of group "${peek.rollout.group}" to ${peek.rollout.image} is under way (${peek.rollout.status}): \`wpha upgrade --continue\`, \`--rollback\` or \`--abort\` it first`,
    );
  }
  if (mode === 'replace') {
    const spec = inv.groups.get(group)!.machines!;
    const images = await new Providers(inv, peek.id, () => {}).get(spec.provider).images();
    if (!images.some((i) => i.id === image))
      throw new UserError(`Unknown image generation "${image}" for provider "${spec.provider}": known are ${images.map((i) => i.id).join(', ') || 'none'} (see \`wpha image list\`)`);
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
  return withStateLock(
    inv.dir,
    async () => {
      const store = new StateStore(inv.dir);
      const holder = `${userInfo().username}@${hostname()} pid ${process.pid}`;
      const shells = new Shells();
      const cl = new Cluster(inv, group, store, new Providers(inv, store.state.id, (s) => report.say(s)), shells, report, load, randomBytes(6).toString('hex'));
      try {
        const existing = store.state.rollout;
        const rollout: RolloutRecord = existing
          ? { ...existing, status: 'running', holder }
          : {
              id: cl.runId,
              group,
              image: image ?? 'in-place',
              mode,
              started: new Date().toISOString(),
              status: 'running',
              options: definedFlags(req) as Record<string, unknown>,
              done: 0,
              total: 0,
              checkpoints_passed: [],
              holder,
            };
        store.update((s) => (s.rollout = rollout));
        if (existing) report.say(`Resuming the upgrade of group "${group}" started ${existing.started} (${existing.status}${existing.last_error ? `: ${existing.last_error}` : ''})`);
        await report.phase('recover', [], undefined, 'bring the cluster to a consistent state', () => recover(cl, settings, { converge: existing !== undefined }));
        if (req.abort) {
          store.update((s) => delete s.rollout);
          report.say(`Upgrade of group "${group}" abandoned; hosts stay on the images they have`);
          return { done: false };
        }
        if (req.rollback) {
          await rollBack(cl, { ...settings, alarms: [] }, store.state.rollout!);
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
            // The alarm that stopped the roll must not stop its way back.
            await rollBack(cl, { ...settings, alarms: [] }, store.state.rollout!);
            store.update((s) => delete s.rollout);
            throw new WphaError(`Upgrade of group "${group}" to ${image} failed and was rolled back: ${message}`);
          }
          throw new WphaError(
            `Upgrade of group "${group}" to ${image ?? 'the latest packages'} stopped: ${message}. The cluster is consistent; \`wpha upgrade -i ${inv.name} --continue\` resumes, \`--rollback\` goes back`,
          );
        }
      } finally {
        shells.closeAll();
      }
    },
    3000,
  );
}
