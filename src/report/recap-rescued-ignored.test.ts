import { describe, expect, it } from 'vitest';
import { emptyRecap, type RunEvent } from '../engine/events.js';
import { renderJunit } from './junit.js';
import { recapTable, taskLine } from './format.js';

type TaskEvent = Extract<RunEvent, { type: 'task' }>;

/** A failed task's event on web1, with `over` on top. */
const failedTask = (over: Partial<TaskEvent>): TaskEvent => ({
  type: 'task',
  host: 'web1',
  role: 'app',
  task: 't',
  status: 'failed',
  planned: false,
  summary: [],
  warnings: [],
  handler: false,
  ms: 5,
  ...over,
});

describe('rescued failures in reports', () => {
  const event = failedTask({ task: 'risky step', error: 'exit 3: broke', rescued: true });

  it('the recap shows a rescued column only when a host has rescued failures', () => {
    expect(recapTable({ web1: emptyRecap() }, 1000)).not.toContain('rescued');
    const table = recapTable({ web1: { ...emptyRecap(), ok: 3, rescued: 1 }, web2: emptyRecap() }, 1000).split('\n');
    expect(table[1]).toMatch(/failed\s+rescued\s+skipped/);
    expect(table[2]).toMatch(/^web1\s+3\s+0\s+0\s+1\s+0\s+no/);
    expect(table[3]).toMatch(/^web2\s+0\s+0\s+0\s+0\s+0\s+no/);
  });

  it('the task line says the failure was rescued; JUnit does not count it as a failure', () => {
    expect(taskLine(event)).toBe('web1 | failed, rescued | app | risky step | exit 3: broke');
    const xml = renderJunit(new Map([['web1', { tasks: [event], ms: 5 }]]));
    expect(xml).toContain('failures="0"');
    expect(xml).toContain('failed, rescued by the block&apos;s rescue: exit 3: broke');
  });
});

describe('ignored failures (ignore_errors) in reports', () => {
  const event = failedTask({ task: 'optional step', error: 'exit 5: broke', ignored: true });

  it('the recap shows an ignored column only when a host has ignored failures, after rescued', () => {
    expect(recapTable({ web1: emptyRecap() }, 1000)).not.toContain('ignored');
    const table = recapTable({ web1: { ...emptyRecap(), ok: 3, ignored: 2 }, web2: { ...emptyRecap(), rescued: 1 } }, 1000).split('\n');
    expect(table[1]).toMatch(/failed\s+rescued\s+ignored\s+skipped/);
    expect(table[2]).toMatch(/^web1\s+3\s+0\s+0\s+0\s+2\s+0\s+no/);
    expect(table[3]).toMatch(/^web2\s+0\s+0\s+0\s+1\s+0\s+0\s+no/);
  });

  it('the task line says the failure was ignored; JUnit does not count it as a failure', () => {
    expect(taskLine(event)).toBe('web1 | failed, ignored | app | optional step | exit 5: broke');
    const xml = renderJunit(new Map([['web1', { tasks: [event], ms: 5 }]]));
    expect(xml).toContain('failures="0"');
    expect(xml).toContain('failed, ignored (ignore_errors): exit 5: broke');
  });
});
