import { describe, it, expect } from 'vitest';
import { EventBus, SECRET_DIFF_NOTE, type RunEvent } from '../engine/events.js';
import { Redactor } from '../secrets/redactor.js';

const task = (diff: string, error?: string): RunEvent => ({
  type: 'task',
  host: 'web1',
  role: 'app',
  task: 'config',
  status: 'changed',
  planned: false,
  summary: ['write /etc/app.conf'],
  diff,
  warnings: [],
  ...(error ? { error } : {}),
  handler: false,
  ms: 1,
});

describe('secrets in run events', () => {
  const r = new Redactor();
  r.add('new-secret-42');
  const seen: RunEvent[] = [];
  const bus = new EventBus(r);
  bus.on((e) => seen.push(e));

  it('hides a whole diff that shows a secret, since its "-" lines hold the previous (unknown) value', () => {
    bus.emit(task('--- /etc/app.conf\n+++ /etc/app.conf\n-password=old-secret-41\n+password=new-secret-42\n'));
    const e = seen.at(-1) as Extract<RunEvent, { type: 'task' }>;
    expect(e.diff).toBe(SECRET_DIFF_NOTE);
    expect(JSON.stringify(seen)).not.toContain('old-secret-41');
  });

  it('keeps diffs without secrets, and masks secrets in every other field', () => {
    bus.emit(task('-a\n+b\n', 'exit 1: login failed for new-secret-42'));
    const e = seen.at(-1) as Extract<RunEvent, { type: 'task' }>;
    expect(e.diff).toBe('-a\n+b\n');
    expect(e.error).toBe('exit 1: login failed for ***');
  });
});
