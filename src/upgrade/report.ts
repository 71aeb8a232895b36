/**
 * What `wpha upgrade` says while it works: one line per step on stderr, each with the time since
 * the start, and (with --json) one event per line on stdout, from which the benchmark reads the
 * time of each phase. Every line passes through the inventory's redactor.
 */
import type { Redactor } from '../secrets/redactor.js';

export type Phase = 'create' | 'converge' | 'gate' | 'serve' | 'soak' | 'drain' | 'destroy' | 'cluster' | 'recover' | 'upgrade' | 'reboot' | 'bake';

export type UpgradeEvent =
  | { type: 'upgrade-start'; group: string; image: string; mode: 'replace' | 'in-place'; batches: number; hosts: string[] }
  | { type: 'phase'; phase: Phase; batch?: number; hosts: string[]; ms: number; ok: boolean }
  | { type: 'batch-done'; batch: number; batches: number; replaced: string[]; by: string[] }
  | { type: 'check'; host: string; name: string; ok: boolean; output: string }
  | { type: 'upgrade-done'; ok: boolean; paused?: number; error?: string; ms: number };

export class UpgradeReporter {
  private readonly t0 = Date.now();
  readonly events: UpgradeEvent[] = [];
  constructor(
    private readonly redactor: Redactor,
    private readonly out: { line: (s: string) => void; json?: (s: string) => void },
  ) {}

  say(text: string): void {
    const t = ((Date.now() - this.t0) / 1000).toFixed(1).padStart(6);
    this.out.line(this.redactor.redact(`[${t}s] ${text}`));
  }

  emit(e: UpgradeEvent): void {
    const safe = this.redactor.redactDeep(e);
    this.events.push(safe);
    this.out.json?.(JSON.stringify(safe));
  }

  /** Times `fn` as a phase: a line when it ends, and an event. */
  async phase<T>(phase: Phase, hosts: string[], batch: number | undefined, what: string, fn: () => Promise<T>): Promise<T> {
    const t = Date.now();
    let ok = false;
    try {
      const r = await fn();
      ok = true;
      return r;
    } finally {
      const ms = Date.now() - t;
      this.emit({ type: 'phase', phase, ...(batch !== undefined ? { batch } : {}), hosts, ms, ok });
      this.say(`${what}: ${ok ? 'done' : 'FAILED'} in ${(ms / 1000).toFixed(1)} s`);
    }
  }

  get elapsedMs(): number {
    return Date.now() - this.t0;
  }
}
