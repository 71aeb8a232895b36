/**
 * Bringing a cluster back to a consistent state after a run that was killed (or failed while
 * undoing): every state is one the state file names, so the next run knows what to do.
 *   - a new host that had not finished its gate and soak (canary) is drained from every front
 *     (it may have been serving when the run was killed) and destroyed;
 *   - an old host being drained is drained again on every front (the kill may have come before
 *     some front got it) and retired when its replacement serves, else put back in service
 *     (never left drained);
 *   - machines being created or retired, and machines the provider made that the state does not
 *     know, are destroyed (providers/machines.ts reconcile);
 *   - the cluster is converged, so front configs and firewalls match the state again.
 */
import type { Cluster } from './cluster.js';
import { setStateScript } from './haproxy.js';
import { reconcile } from '../providers/machines.js';
import { drainAndStop } from './serve.js';
import type { Settings } from './settings.js';

export async function recover(cl: Cluster, s: Settings, opts: { converge: boolean }): Promise<string[]> {
  const did: string[] = [];
  const machines = cl.store.state.machines;
  for (const n of cl.machinesOf('canary')) {
    // It may have been serving already (killed while soaking): drained, not cut.
    await drainAndStop(cl, s, [n], { ifPresent: true });
    cl.store.patchMachine(n, { status: 'retiring' });
    did.push(`${n}: new host that had not passed its gate and soak, taken out and destroyed`);
  }
  for (const n of cl.machinesOf('draining')) {
    const replaced = Object.values(machines).some((m) => m.status === 'serving' && m.replaces?.includes(n));
    if (replaced) {
      // The run may have been killed before every front got the drain: drain it again on all
      // of them and wait, so that no front still sends it requests when it is destroyed.
      await drainAndStop(cl, s, [n]);
      cl.store.patchMachine(n, { status: 'retiring' });
      did.push(`${n}: was draining and its replacement serves: drained on every front, retired`);
    } else {
      await cl.onFronts(`put "${n}" back in service`, (f) => setStateScript(f, n, 'ready'));
      cl.store.patchMachine(n, { status: 'serving' });
      did.push(`${n}: was draining without a replacement serving: back in service`);
    }
  }
  for (const d of did) cl.report.say(d);
  // Machines being created or retired, and orphans: destroyed (reconcile says what it did).
  const reconciled = await reconcile(cl.machines());
  if (did.length || reconciled.length || opts.converge) await cl.converge('all');
  return [...did, ...reconciled];
}
