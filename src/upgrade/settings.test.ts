import { describe, expect, it } from 'vitest';
import { errorBudgetOf, overBudget, resolveSettings } from './settings.js';

describe('upgrade settings', () => {
  it("the command line wins over the group's upgrade settings, which win over defaults", () => {
    const s = resolveSettings(
      { soak: '2m', alarmCommands: ['check-5xx'] },
      { soak: '30s', warmup: 5, drain_timeout: '90s', checks: [{ name: 'nginx', command: 'true' }], alarms: [{ name: 'rate', url: 'http://mon/alarm' }] },
    );
    expect(s).toMatchObject({ batch: [1], soakMs: 120_000, warmupMs: 5000, drainTimeoutMs: 90_000, bakeMs: 0, gateTimeoutMs: 60_000, errorBudget: { count: 0 }, autoRollback: false, checkpoints: [] });
    expect(s.alarms).toEqual([
      { name: 'rate', url: 'http://mon/alarm' },
      { name: '--alarm-command 1', command: 'check-5xx' },
    ]);
    expect(s.checks.map((c) => c.name)).toEqual(['nginx']);
  });

  it('refuses bad durations, budgets and alarm URLs, naming the flag', () => {
    expect(() => resolveSettings({ soak: 'ten' }, undefined)).toThrow('--soak takes a duration such as 30s, 5m or 500ms, not "ten"');
    expect(() => resolveSettings({ errorBudget: 'a lot' }, undefined)).toThrow('--error-budget takes a number of errors or a percentage of requests such as "0.5%", not "a lot"');
    expect(() => resolveSettings({ alarmUrls: ['ftp://x'] }, undefined)).toThrow('--alarm-url takes an http:// or https:// URL, not "ftp://x"');
  });

  it('the error budget: a count of errors, or a share of the requests', () => {
    expect(errorBudgetOf('3')).toEqual({ count: 3 });
    expect(errorBudgetOf('0.5%')).toEqual({ fraction: 0.005 });
    expect(overBudget({ count: 0 }, 1, 1000)).toBe(true);
    expect(overBudget({ count: 2 }, 2, 10)).toBe(false);
    expect(overBudget({ fraction: 0.01 }, 1, 200)).toBe(false);
    expect(overBudget({ fraction: 0.01 }, 3, 200)).toBe(true);
  });
});
