/**
 * Masks secret values in everything wpha prints or writes on the controller. Every output sink
 * (task list, plain log, --json, --junit, diffs, error messages, run log) passes through one
 * Redactor; secrets are registered as soon as they are known (vault values, vars a role marks
 * secret, sudo passwords).
 */
export const MASK = '***';

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  /** Register a secret value. Values shorter than 4 characters are still masked; empty ones are ignored. */
  add(value: string | undefined | null): void {
    if (value === undefined || value === null) return;
    const s = String(value);
    if (s.length === 0 || this.secrets.has(s)) return;
    this.secrets.add(s);
    // Multi-line secrets (keys, certificates) are also masked line by line, since diffs split them.
    if (s.includes('\n')) for (const line of s.split('\n')) if (line.trim().length >= 8) this.secrets.add(line);
    this.pattern = null;
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (this.secrets.size === 0 || text.length === 0) return text;
    if (!this.pattern) {
      const sorted = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(sorted.join('|'), 'g');
    }
    return text.replace(this.pattern, MASK);
  }

  /** Redact every string inside a JSON-like value (for --json events and reports). */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactDeep(v);
      return out as T;
    }
    return value;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
