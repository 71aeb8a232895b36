/** `--check`: what could not be planned in order (after a barrier) is planned on the current state, with a warning. */
import { handlersFor, type Exp } from './host-play.js';
import type { HostRun } from './host-run.js';

export function reportUnplannable(run: HostRun, from: number, exps: Map<number, Exp>, probes: ReadonlyMap<string, { stdout: string; rc: number }>): void {
  for (let k = from; k < run.n; k++) {
    const exp = exps.get(k)!;
    const t = run.play.tasks[k]!.task;
    if (exp.kind === 'defer') run.emit({ label: t.name, task: t }, 'skipped', { summary: [`needs the result of an earlier task (${exp.names.join(', ')})`] });
    else if (exp.kind === 'skip') {
      if (!exp.quiet) run.emit({ label: t.name, task: t }, 'skipped', { summary: [exp.reason] });
    } else if (exp.kind === 'error') run.emit({ label: t.name, task: t }, 'failed', { error: exp.message, fatal: true });
    else
      for (const s of exp.steps) {
        const out = probes.get(s.key);
        if (!out) continue;
        try {
          const plan = run.planStep(s, out, run.play.host, true);
          if (plan.changed) {
            run.emit(s, 'changed', { summary: plan.summary, ...(plan.diff ? { diff: plan.diff } : {}), warnings: ['planned on the current state; an earlier change in this run may alter it'] });
            for (const h of handlersFor(run.play, t)) run.notified.add(h);
          } else run.emit(s, 'ok');
        } catch (e) {
          run.emit(s, 'skipped', { summary: [`cannot plan before earlier changes are applied: ${(e as Error).message}`] });
        }
      }
  }
}
