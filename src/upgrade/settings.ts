/**
 * The controls of one upgrade: the command line over the group's `upgrade:` settings over
 * defaults. Resolved and checked before anything is touched.
 */
import type { BatchEntry } from '../rollout/batch-size.js';
import { durationMs, type AlarmSpec, type CheckSpec, type UpgradeSpec } from '../spec/machines.js';
import type { Amount } from './plan.js';
import { PlanError } from './plan.js';

export interface UpgradeFlags {
  batch?: BatchEntry[];
  maxSurge?: Amount;
  minHealthy?: Amount;
  checkpoints?: number[];
  warmup?: string;
  soak?: string;
  errorBudget?: string;
  drainTimeout?: string;
  bake?: string;
  gateTimeout?: string;
  autoRollback?: boolean;
  alarmCommands?: string[];
  alarmUrls?: string[];
}

export interface Settings {
  batch: BatchEntry[];
  maxSurge?: Amount;
  minHealthy?: Amount;
  checkpoints: number[];
  warmupMs: number;
  soakMs: number;
  /** Errors a new host may answer while soaking: a count, or a fraction of its requests. */
  errorBudget: { count: number } | { fraction: number };
  drainTimeoutMs: number;
  bakeMs: number;
  gateTimeoutMs: number;
  autoRollback: boolean;
  checks: CheckSpec[];
  alarms: AlarmSpec[];
}

function duration(flag: string, v: string | number | undefined, fallback: string): number {
  try {
    return durationMs(v ?? fallback);
  } catch {
    throw new PlanError(`${flag} takes a duration such as 30s, 5m or 500ms, not "${v}"`);
  }
}

export function errorBudgetOf(v: string | number): Settings['errorBudget'] {
  if (typeof v === 'number' || /^\d+$/.test(v)) return { count: Number(v) };
  const m = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (!m || Number(m[1]) > 100) throw new PlanError(`--error-budget takes a number of errors or a percentage of requests such as "0.5%", not "${v}"`);
  return { fraction: Number(m[1]) / 100 };
}

export function resolveSettings(flags: UpgradeFlags, spec: UpgradeSpec | undefined): Settings {
  const alarms: AlarmSpec[] = [
    ...(spec?.alarms ?? []),
    ...(flags.alarmCommands ?? []).map((command, i) => ({ name: `--alarm-command ${i + 1}`, command })),
    ...(flags.alarmUrls ?? []).map((url, i) => ({ name: `--alarm-url ${i + 1}`, url })),
  ];
  for (const a of alarms) if ('url' in a && !/^https?:\/\//.test(a.url)) throw new PlanError(`--alarm-url takes an http:// or https:// URL, not "${a.url}"`);
  return {
    batch: flags.batch ?? [1],
    ...(flags.maxSurge !== undefined ? { maxSurge: flags.maxSurge } : {}),
    ...(flags.minHealthy !== undefined ? { minHealthy: flags.minHealthy } : {}),
    checkpoints: flags.checkpoints ?? [],
    warmupMs: duration('--warmup', flags.warmup ?? spec?.warmup, '0s'),
    soakMs: duration('--soak', flags.soak ?? spec?.soak, '10s'),
    errorBudget: errorBudgetOf(flags.errorBudget ?? spec?.error_budget ?? 0),
    drainTimeoutMs: duration('--drain-timeout', flags.drainTimeout ?? spec?.drain_timeout, '60s'),
    bakeMs: duration('--bake', flags.bake ?? spec?.bake, '0s'),
    gateTimeoutMs: duration('--gate-timeout', flags.gateTimeout ?? spec?.gate_timeout, '60s'),
    autoRollback: Boolean(flags.autoRollback),
    checks: spec?.checks ?? [],
    alarms,
  };
}

/** Whether errors seen while soaking exceed the budget. */
export function overBudget(budget: Settings['errorBudget'], errors: number, requests: number): boolean {
  return 'count' in budget ? errors > budget.count : errors > budget.fraction * requests;
}
