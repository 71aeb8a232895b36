/**
 * The rolls themselves, once `upgrade` has checked its input and recovered the cluster: a
 * replacement batch by batch (pausing at checkpoints), an in-place upgrade, the bake after the
 * last batch, and a roll back of the hosts a roll made.
 */
import { runBatch } from './batch.js';
import type { Cluster } from './cluster.js';
import { upgradeInPlace } from './in-place.js';
import { formatPlan, planRollout, type Progress, type RolloutPlan } from './plan.js';
import { raiseAlarms } from './serve.js';
import type { Settings } from './settings.js';
import type { StateStore } from '../state/state-file.js';
import type { RolloutRecord, StateFile } from '../state/schema.js';

export interface UpgradeResult {
  /** The plan's text (dry run), or undefined. */
  plan?: string;
  paused?: number;
  done: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The group's serving machines, oldest first (the order they are replaced in). */
export function servingHosts(state: StateFile, group: string) {
  return Object.entries(state.machines)
    .filter(([, m]) => m.group === group && m.status === 'serving')
    .sort(([a, x], [b, y]) => x.created.localeCompare(y.created) || a.localeCompare(b))
    .map(([name, m]) => ({ name, image: m.image }));
}

export function planOf(state: StateFile, group: string, image: string, s: Settings, rollout?: RolloutRecord): RolloutPlan {
  const progress: Progress | undefined = rollout ? { done: rollout.done, total: rollout.total, passed: rollout.checkpoints_passed.map(Number) } : undefined;
  return planRollout(group, servingHosts(state, group), image, s, progress);
}

export async function runReplace(cl: Cluster, s: Settings, store: StateStore, image: string): Promise<UpgradeResult> {
  const rollout = store.state.rollout!;
  const plan = planOf(store.state, cl.group, image, s, rollout.total ? rollout : undefined);
  if (!rollout.total) store.update((st) => (st.rollout = { ...st.rollout!, total: plan.batches.reduce((n, b) => n + b.replace.length, 0) }));
  cl.report.say(formatPlan(plan, { soakSeconds: s.soakMs / 1000, warmupSeconds: s.warmupMs / 1000 }).trimEnd());
  cl.report.emit({ type: 'upgrade-start', group: cl.group, image, mode: 'replace', batches: plan.batches.length, hosts: plan.batches.flatMap((b) => b.replace) });
  for (const b of plan.batches) {
    await raiseAlarms(s);
    await runBatch(cl, s, plan, b, store.state.rollout!);
    const r = store.state.rollout!;
    store.update(
      (st) =>
        (st.rollout = { ...r, done: r.done + b.replace.length, ...(b.pauseAt !== undefined ? { status: 'paused' as const, checkpoints_passed: [...r.checkpoints_passed, String(b.pauseAt)] } : {}) }),
    );
    if (b.pauseAt !== undefined) {
      cl.report.say(
        `Paused at checkpoint ${b.pauseAt}%: ${store.state.rollout!.done} of ${store.state.rollout!.total} host(s) replaced. \`wpha upgrade -i ${cl.inv.name} --continue\` goes on, \`--rollback\` goes back`,
      );
      return { paused: b.pauseAt, done: false };
    }
  }
  return { done: true };
}

export async function runInPlace(cl: Cluster, s: Settings, store: StateStore): Promise<UpgradeResult> {
  await cl.reload();
  const hosts = cl.inv.groups.get(cl.group)!.hosts;
  cl.report.emit({ type: 'upgrade-start', group: cl.group, image: 'in-place', mode: 'in-place', batches: hosts.length, hosts });
  await upgradeInPlace(cl, s, store.state.rollout!, hosts);
  return { done: true };
}

export async function bake(s: Settings): Promise<void> {
  const end = Date.now() + s.bakeMs;
  while (Date.now() < end) {
    await raiseAlarms(s);
    await sleep(Math.min(5000, Math.max(0, end - Date.now())));
  }
  await raiseAlarms(s);
}

/** Replace the hosts a roll made with new ones from the image they replaced, with the same gate. */
export async function rollBack(cl: Cluster, s: Settings, rollout: RolloutRecord): Promise<void> {
  const made = Object.entries(cl.store.state.machines).filter(([, m]) => m.group === cl.group && m.rollout === rollout.id && m.status === 'serving' && m.replaced_image);
  const byImage = new Map<string, string[]>();
  for (const [n, m] of made) byImage.set(m.replaced_image!, [...(byImage.get(m.replaced_image!) ?? []), n]);
  if (byImage.size === 0) cl.report.say('Nothing to roll back: this upgrade replaced no host yet');
  for (const [image, names] of byImage) {
    const plan = planRollout(
      cl.group,
      names.map((n) => ({ name: n, image: cl.store.machine(n)!.image })),
      image,
      { ...s, checkpoints: [] },
    );
    cl.report.say(`Roll back ${names.join(', ')} to ${image}:\n${formatPlan(plan, { soakSeconds: s.soakMs / 1000, warmupSeconds: s.warmupMs / 1000 }).trimEnd()}`);
    for (const b of plan.batches) await runBatch(cl, s, plan, b, { ...rollout, id: `${rollout.id}-back` });
  }
}
