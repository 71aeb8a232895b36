import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../model.js';
import type { OpModule } from '../ops/types.js';
import type { Planned } from './host-play.js';
import { applyBatch, type ApplyTrip } from './retries.js';
import type { ApplyResult } from './script.js';
import { nullProto } from './scope.js';
import type { Step } from './steps.js';

const at = { file: 'role.yaml', line: 1, col: 1 };
const op = { name: 'command' } as OpModule;

function planned(key: string, extra: Partial<TaskSpec> = {}): Planned {
  const task: TaskSpec = { id: key, role: 'r', name: key, op: 'command', args: {}, loopVar: 'item', notify: [], tags: [], runOnce: false, location: at, ...extra };
  const step: Step = { key, taskIndex: 0, task, label: key, op, args: {}, resources: [], barrier: true, scope: nullProto() };
  return { step, plan: { changed: true, summary: [], apply: ':' } };
}

const result = (id: string, stdout: string, rc = 0): ApplyResult => ({ id, rc, changed: true, stdout, stderr: '', warnings: [], timings: {} });

/**
 * A host whose answers are scripted per step key (one per attempt); records what each round trip
 * applied and whether it was the batch's last (the one that probes what follows: 1 probe here).
 */
function fakeHost(answers: Record<string, ApplyResult[]>) {
  const trips: { applies: string[]; probes: number }[] = [];
  const trip: ApplyTrip = async (applies, last) => {
    trips.push({ applies: applies.map((p) => p.step.key), probes: last ? 1 : 0 });
    const out: ApplyResult[] = [];
    for (const p of applies) {
      const r = answers[p.step.key]!.shift()!;
      out.push(r);
      if (r.rc !== 0) break; // the script stops at the first failure
    }
    return { applies: out, probes: new Map(), done: true, exitCode: 0, stderr: '', truncated: false };
  };
  return { trip, trips };
}

describe('applyBatch', () => {
  it('a batch without retries is one round trip', async () => {
    const { trip, trips } = fakeHost({ a: [result('a', '')], b: [result('b', '')] });
    const out = await applyBatch([planned('a'), planned('b')], trip);
    expect(trips).toEqual([{ applies: ['a', 'b'], probes: 1 }]);
    expect(out.attempts.size).toBe(0);
  });

  it('retries a step until its until holds, each attempt a round trip of its own; later items wait their turn', async () => {
    const until = { register: 'w', until: "w.stdout == 'ready'", retries: 5, delay: 0 };
    const { trip, trips } = fakeHost({
      a: [result('a', '')],
      i0: [result('i0', 'starting'), result('i0', 'starting', 1), result('i0', 'ready')],
      i1: [result('i1', 'ready')],
    });
    const out = await applyBatch([planned('a'), planned('i0', until), planned('i1', until)], trip);
    expect(trips).toEqual([
      { applies: ['a', 'i0'], probes: 0 },
      { applies: ['i0'], probes: 0 },
      { applies: ['i0'], probes: 0 },
      { applies: ['i1'], probes: 1 },
    ]);
    expect(Object.fromEntries(out.attempts)).toEqual({ i0: 3, i1: 1 });
    expect(out.rt.applies.map((a) => [a.id, a.stdout])).toEqual([
      ['a', ''],
      ['i0', 'ready'],
      ['i1', 'ready'],
    ]);
  });

  it('gives up after retries + 1 attempts; without until, retries while the step fails', async () => {
    const never = { until: "result.stdout == 'ready'", retries: 2, delay: 0 };
    const a = fakeHost({ s: [result('s', 'no'), result('s', 'no'), result('s', 'no'), result('s', 'ready')] });
    expect(Object.fromEntries((await applyBatch([planned('s', never)], a.trip)).attempts)).toEqual({ s: 3 });
    const b = fakeHost({ s: [result('s', '', 1), result('s', '')], t: [result('t', '')] });
    const out = await applyBatch([planned('s', { retries: 3, delay: 0 }), planned('t')], b.trip);
    expect(b.trips.map((t) => t.applies)).toEqual([['s'], ['s'], ['t']]);
    expect(out.attempts.get('s')).toBe(2);
  });

  it('a failed step before a retried one stops the batch there', async () => {
    const { trip, trips } = fakeHost({ a: [result('a', '', 2)], s: [] });
    const out = await applyBatch([planned('a'), planned('s', { retries: 3, delay: 0 })], trip);
    expect(trips).toEqual([{ applies: ['a', 's'], probes: 1 }]);
    expect(out.rt.applies.map((r) => r.id)).toEqual(['a']);
  });
});
