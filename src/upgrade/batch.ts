/**
 * One batch of a rolling replacement:
 *   1. old hosts that may not stay during the batch (no surge allowed) are drained first;
 *   2. new hosts are made from the image and added to every front's HAProxy in maintenance;
 *   3. the rest of the cluster is converged (firewalls and front configs learn the new hosts;
 *      HAProxy keeps them in maintenance), then the new hosts with their group's roles;
 *   4. gate: the group's checks must pass on every new host;
 *   5. they serve and soak (error counters, alarms);
 *   6. the old hosts are drained, leave the group, the cluster is converged without them, and
 *      they are destroyed.
 * Until step 6 a failure undoes the batch: new hosts out of HAProxy and destroyed, drained old
 * hosts back in service, the cluster converged as it was. Every change of a host's status is
 * written to the state file before it is acted on (see recover.ts for a killed run).
 */
import { WphaError } from '../errors.js';
import { destroyMachine, makeMachine } from '../providers/machines.js';
import type { RolloutRecord } from '../state/schema.js';
import { gate } from './checks.js';
import { allBut, type Cluster } from './cluster.js';
import { addServerScript, maintIfPresentScript, setStateScript } from './haproxy.js';
import type { PlannedBatch, RolloutPlan } from './plan.js';
import { drainAndStop, serveAndSoak } from './serve.js';
import type { Settings } from './settings.js';

export class GateError extends WphaError {}

export async function runBatch(cl: Cluster, s: Settings, plan: RolloutPlan, b: PlannedBatch, rollout: RolloutRecord): Promise<string[]> {
  const tag = `${plan.group} batch ${b.index}/${plan.batches.length}`;
  const made: string[] = [];
  const drained: string[] = [];
  const r = cl.report;
  try {
    if (b.outFirst.length) {
      await r.phase('drain', b.outFirst, b.index, `${tag}: drain ${b.outFirst.join(', ')} before their replacements`, () => drain(cl, s, b.outFirst, drained));
    }
    await r.phase('create', b.replace, b.index, `${tag}: make ${b.replace.length} host(s) from ${plan.image}`, async () => {
      const results = await Promise.allSettled(
        b.replace.map((old) =>
          makeMachine(cl.machines(), plan.group, { image: plan.image, status: 'canary', rollout: rollout.id, replaces: [old], replacedImage: cl.store.machine(old)?.image ?? '' }),
        ),
      );
      for (const x of results) if (x.status === 'fulfilled') made.push(x.value.name);
      const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed) throw failed.reason;
      await cl.reload();
      for (const n of made) await cl.onFronts(`add "${n}" to HAProxy`, (f) => addServerScript(f, n, cl.host(n).address));
    });
    await r.phase('converge', made, b.index, `${tag}: converge the cluster, then ${made.join(', ')}`, async () => {
      await cl.converge(allBut(made));
      await cl.converge(made.join(','));
    });
    await r.phase('gate', made, b.index, `${tag}: gate ${made.join(', ')} (${s.checks.map((c) => c.name).join(', ')})`, () => runGate(cl, s, made));
    const soaked = await r.phase('soak', made, b.index, `${tag}: ${made.join(', ')} serving, soak ${s.soakMs / 1000} s`, () => serveAndSoak(cl, s, made));
    r.say(`${tag}: ${made.join(', ')} answered ${soaked.errors} error(s) in ${soaked.requests} request(s) while soaking`);
    for (const n of made) cl.store.patchMachine(n, { status: 'serving' });
    const rest = b.replace.filter((o) => !drained.includes(o));
    if (rest.length) await r.phase('drain', rest, b.index, `${tag}: drain ${rest.join(', ')}`, () => drain(cl, s, rest, drained));
  } catch (e) {
    await undo(cl, tag, made, drained);
    throw e;
  }
  // Past this point the new hosts serve: the old ones go whatever happens next.
  for (const o of b.replace) cl.store.patchMachine(o, { status: 'retiring' });
  await r.phase('converge', b.replace, b.index, `${tag}: converge the cluster without ${b.replace.join(', ')}`, () => cl.converge('all'));
  await r.phase('destroy', b.replace, b.index, `${tag}: destroy ${b.replace.join(', ')}`, async () => {
    for (const o of b.replace) await destroyMachine(cl.machines(), o);
  });
  r.emit({ type: 'batch-done', batch: b.index, batches: plan.batches.length, replaced: b.replace, by: made });
  return made;
}

async function drain(cl: Cluster, s: Settings, names: string[], drained: string[]): Promise<void> {
  for (const n of names) {
    cl.store.patchMachine(n, { status: 'draining' });
    drained.push(n);
  }
  const d = await drainAndStop(cl, s, names);
  cl.report.say(`${names.join(', ')}: no new requests; open connections ended in ${(d.waitedMs / 1000).toFixed(1)} s${d.cut ? ` (${d.cut} cut)` : ''}`);
}

async function runGate(cl: Cluster, s: Settings, made: string[]): Promise<void> {
  const front = cl.fronts()[0];
  for (const n of made) {
    const node = cl.host(n);
    const outcomes = await gate(s.checks, node, front?.host ?? node, front?.port ?? 80, cl.shells, s.gateTimeoutMs);
    for (const o of outcomes) cl.report.emit({ type: 'check', host: n, name: o.name, ok: o.ok, output: o.output });
    const bad = outcomes.find((o) => !o.ok);
    if (bad) throw new GateError(`New host "${n}" failed check "${bad.name}": ${bad.output}`);
    cl.report.say(`${n}: ${outcomes.map((o) => `${o.name} ok`).join(', ')}`);
  }
}

/** Undo a batch that failed before its new hosts served for good: the cluster as it was. */
async function undo(cl: Cluster, tag: string, made: string[], drained: string[]): Promise<void> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  await cl.report.phase('cluster', [...made, ...drained], undefined, `${tag}: undo (new hosts out, old hosts back)`, async () => {
    for (const n of made) {
      await attempt(`take "${n}" out of HAProxy`, () => cl.onFronts(`take "${n}" out`, (f) => maintIfPresentScript(f, n)));
      if (cl.store.machine(n)) cl.store.patchMachine(n, { status: 'retiring' });
    }
    for (const o of drained) {
      await attempt(`put "${o}" back in service`, () => cl.onFronts(`put "${o}" back`, (f) => setStateScript(f, o, 'ready')));
      cl.store.patchMachine(o, { status: 'serving' });
    }
    await attempt('converge the cluster', () => cl.converge('all'));
    for (const n of made) await attempt(`destroy "${n}"`, () => destroyMachine(cl.machines(), n));
  });
  if (problems.length) cl.report.say(`warning: undoing the batch left work for the next run: ${problems.join('; ')}`);
}
