/**
 * `delegate_to`: a task's steps probed, planned and applied on another inventory host, with this
 * host's variables; retries / until as on the host itself (src/engine/retries.ts).
 */
import type { TaskSpec } from '../model.js';
import type { Remote, RoundTripResult } from './remote.js';
import type { Step } from './steps.js';
import type { Planned } from './host-play.js';
import { roundTripBody, type HostRun } from './host-run.js';
import { applyBatch } from './retries.js';

/** True when the delegated task failed (reported). */
export async function runDelegated(run: HostRun, t: TaskSpec, steps: Step[]): Promise<boolean> {
  let on = t.delegateTo!;
  let other: Remote;
  let probed: RoundTripResult;
  try {
    if (on.includes('{{')) on = run.deps.renderer.renderString(on, steps[0]!.scope, { origin: t.location, path: ['delegate_to'] });
    if (!run.deps.delegate) throw new Error(`delegate_to "${on}" needs a connection provider`);
    other = await run.deps.delegate(on);
    probed = await other.run(roundTripBody([], steps, run.opts.diff, false));
  } catch (e) {
    run.emit({ label: `${t.name} (on ${on})`, task: t }, 'failed', { error: (e as Error).message, fatal: true });
    return true;
  }
  const planned: Planned[] = [];
  for (const s of steps) {
    const labelled = { ...s, label: `${s.label} (on ${on})` };
    try {
      const out = probed.probes.get(s.key);
      if (!out) throw new Error(`no probe result from "${on}" (exit ${probed.exitCode})`);
      const plan = run.planStep(s, out, on, false);
      if (plan.changed) planned.push({ step: labelled, plan });
      else run.emit(labelled, 'ok');
    } catch (e) {
      run.emit(labelled, 'failed', { error: (e as Error).message });
      return true;
    }
  }
  if (!planned.length) {
    run.setRegister(t, { changed: false, rc: 0, stdout: '', stderr: '', skipped: false });
    return false;
  }
  try {
    // Each attempt of a retried step is a round trip to the host it is delegated to.
    const { rt, attempts } = await applyBatch(planned, (applies) => other.run(roundTripBody(applies, [], run.opts.diff, false)), run.opts.signal);
    return run.recordApplies(planned, rt, attempts);
  } catch (e) {
    run.emit(planned[0]!.step, 'failed', { error: (e as Error).message, fatal: true });
    return true;
  }
}
