/**
 * `--junit FILE`: one test suite per host, one test case per host x task (for CI dashboards).
 * The shape follows the JUnit schema Jenkins' xUnit plugin validates with (junit-10.xsd): a
 * testsuite needs name, tests, failures and errors; testsuites takes no `skipped`. A lab test
 * validates real reports against test/rollout/fixtures/jenkins-junit.xsd with xmllint.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { failedForGood, type Listener, type RunEvent } from '../engine/events.js';

type TaskEvent = Extract<RunEvent, { type: 'task' }>;

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export interface JunitHost {
  tasks: TaskEvent[];
  error?: string;
  ms: number;
  /** The rollout stopped before this host's batch: why. */
  notRun?: string;
}

export function renderJunit(byHost: Map<string, JunitHost>): string {
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  for (const [host, h] of byHost) {
    const cases = h.tasks.map((t) => {
      const name = esc(`${t.role}: ${t.task}${t.handler ? ' (handler)' : ''}`);
      // A failure the host went on from (rescued, ignored) is said, not counted.
      const letBy = t.rescued ? "rescued by the block's rescue" : t.ignored ? 'ignored (ignore_errors)' : undefined;
      const inner =
        t.status === 'failed' && letBy
          ? `<system-out>${esc(`failed, ${letBy}: ${t.error ?? ''}`)}</system-out>`
          : t.status === 'failed'
            ? `<failure message="${esc((t.error ?? '').split('\n')[0] ?? '')}">${esc(t.error ?? '')}</failure>`
            : t.status === 'skipped'
              ? '<skipped/>'
              : t.status === 'changed'
                ? `<system-out>${esc([`${t.planned ? 'would change' : 'changed'}: ${t.summary.join('; ')}`, t.diff ?? ''].join('\n'))}</system-out>`
                : '';
      return `    <testcase classname="${esc(host)}" name="${name}" time="${(t.ms / 1000).toFixed(3)}">${inner}</testcase>`;
    });
    if (h.error) cases.push(`    <testcase classname="${esc(host)}" name="connection"><failure message="${esc(h.error)}">${esc(h.error)}</failure></testcase>`);
    if (h.notRun) cases.push(`    <testcase classname="${esc(host)}" name="not run"><skipped message="${esc(h.notRun)}"/></testcase>`);
    const f = h.tasks.filter(failedForGood).length + (h.error ? 1 : 0);
    const skipped = h.tasks.filter((t) => t.status === 'skipped').length + (h.notRun ? 1 : 0);
    total += cases.length;
    failures += f;
    suites.push(`  <testsuite name="${esc(host)}" tests="${cases.length}" failures="${f}" errors="0" skipped="${skipped}" time="${(h.ms / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return junitDocument(suites, total, failures);
}

/** The document around rendered testsuite elements (also used to merge shards' reports). */
export function junitDocument(suites: readonly string[], tests: number, failures: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="wpha" tests="${tests}" failures="${failures}" errors="0">\n${suites.map((x) => `${x}\n`).join('')}</testsuites>\n`;
}

export function junitReporter(file: string): Listener {
  const byHost = new Map<string, JunitHost>();
  const get = (h: string) => byHost.get(h) ?? (byHost.set(h, { tasks: [], ms: 0 }), byHost.get(h)!);
  return (e) => {
    if (e.type === 'task') get(e.host).tasks.push(e);
    else if (e.type === 'host-unreachable' || e.type === 'host-failed') get(e.host).error = e.error;
    else if (e.type === 'host-done') get(e.host).ms = e.ms;
    else if (e.type === 'rollout-stopped') for (const h of e.notRun) get(h).notRun = e.reason;
    else if (e.type === 'run-done') {
      writeFileSync(`${file}.tmp`, renderJunit(byHost));
      renameSync(`${file}.tmp`, file);
    }
  };
}
