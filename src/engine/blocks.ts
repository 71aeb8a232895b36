/**
 * `block` / `rescue` / `always` on one host, with Ansible's meaning. Loading flattened each block
 * into its tasks (TaskSpec.blocks); this module finds where each block's sections start and end
 * in the host's play, and says where the play goes on after a failure:
 * - a failure in `block` skips the rest of it and runs `rescue` (the failure is then rescued:
 *   counted apart, the host goes on), or, without a rescue, runs `always` and fails after it;
 * - a failure in `rescue` runs `always`, then fails; a failure in `always` fails at once;
 * - "fails" means the same again one block out, up to the play, where the host fails.
 * `rescue` tasks run only while their block is being rescued; otherwise they are skipped quietly
 * (not reported, not probed), so a converged block costs nothing more than its tasks.
 * Pure: state in, positions out; the converge loop acts on them.
 */
import type { BlockFrame, TaskSpec } from '../model.js';

export interface BlockRange {
  /** Index (in the play) of the first rescue / always task; absent when the section has none. */
  rescue?: number;
  always?: number;
  /** Index just after the block's last task. */
  end: number;
  /** The blocks around this one, outermost first. */
  parents: BlockFrame[];
}

/** Where each block's sections are among `tasks` (the host's play, tag filters applied). */
export function blockRanges(tasks: readonly TaskSpec[]): Map<string, BlockRange> {
  const out = new Map<string, BlockRange>();
  tasks.forEach((t, i) => {
    (t.blocks ?? []).forEach((f, depth) => {
      let r = out.get(f.id);
      if (!r) out.set(f.id, (r = { end: i + 1, parents: t.blocks!.slice(0, depth) }));
      r.end = i + 1;
      if (f.section === 'rescue' && r.rescue === undefined) r.rescue = i;
      if (f.section === 'always' && r.always === undefined) r.always = i;
    });
  });
  return out;
}

export class BlockFlow {
  private readonly ranges: Map<string, BlockRange>;
  private readonly rescuing = new Set<string>();
  /** Blocks that failed and are running their `always`: the failure goes on when it ends. */
  private readonly failing = new Map<string, BlockRange>();

  constructor(private readonly tasks: readonly TaskSpec[]) {
    this.ranges = blockRanges(tasks);
  }

  /** A rescue task whose block is not being rescued: it does not run (and is not reported). */
  inactive(i: number): boolean {
    return (this.tasks[i]?.blocks ?? []).some((f) => f.section === 'rescue' && !this.rescuing.has(f.id));
  }

  /** A failure of task `i` will be rescued (some block around it, in its `block` section, has a rescue). */
  rescuable(i: number): boolean {
    return (this.tasks[i]?.blocks ?? []).some((f) => f.section === 'block' && this.ranges.get(f.id)?.rescue !== undefined);
  }

  /** Task `i` failed: the index the play goes on from (a rescue or an always section), or undefined: the host fails. */
  onFailure(i: number): number | undefined {
    return this.propagate(this.tasks[i]?.blocks ?? []);
  }

  /** Planning must stop at `i`: a failed block's `always` ended there, so its failure goes on (see resume). */
  dueAt(i: number): boolean {
    for (const r of this.failing.values()) if (r.end <= i) return true;
    return false;
  }

  /** The `always` of a failed block ended: where the failure goes on, or undefined: the host fails. */
  resume(): number | undefined {
    const [id, r] = [...this.failing].sort(([, a], [, b]) => a.end - b.end)[0]!;
    this.failing.delete(id);
    return this.propagate(r.parents);
  }

  private propagate(frames: readonly BlockFrame[]): number | undefined {
    for (let k = frames.length - 1; k >= 0; k--) {
      const f = frames[k]!;
      const r = this.ranges.get(f.id)!;
      this.failing.delete(f.id);
      if (f.section === 'block' && r.rescue !== undefined) {
        this.rescuing.add(f.id);
        return r.rescue;
      }
      if (f.section !== 'always' && r.always !== undefined) {
        this.failing.set(f.id, r);
        return r.always;
      }
    }
    return undefined;
  }
}
