import { describe, it, expect } from 'vitest';
import { mergeJsonReports, mergeJunitReports } from './merge.js';
import { renderJunit, type JunitHost } from './junit.js';
import type { RunEvent } from '../engine/events.js';

const recap = (changed: number, failed = 0) => ({ ok: 3, changed, failed, skipped: 0, unreachable: false });
const task = (host: string, status: 'ok' | 'changed' | 'failed', name = 'config'): Extract<RunEvent, { type: 'task' }> => ({
  type: 'task',
  host,
  role: 'demo',
  task: name,
  status,
  planned: false,
  summary: [],
  warnings: [],
  handler: false,
  ms: 5,
  ...(status === 'failed' ? { error: 'exit 3: <boom> & "quotes"' } : {}),
});
function shard(shardOf: string | undefined, hosts: string[], opts: { failed?: string; notRun?: string[]; at?: string; inventory?: string; check?: boolean } = {}): string {
  const ev: RunEvent[] = [
    {
      type: 'run-start',
      inventory: opts.inventory ?? 'prod',
      hosts,
      withoutRoles: ['bastion'],
      check: opts.check ?? false,
      at: opts.at ?? '2026-12-04T10:00:00.000Z',
      ...(shardOf ? { shard: shardOf } : {}),
    },
    { type: 'batch-start', batch: 1, batches: 2, hosts: hosts.slice(0, 1) },
    ...hosts.flatMap((h): RunEvent[] => [task(h, h === opts.failed ? 'failed' : 'changed'), { type: 'host-done', host: h, recap: recap(1, h === opts.failed ? 1 : 0), roundTrips: 2, ms: 100 }]),
    {
      type: 'run-done',
      recaps: Object.fromEntries(hosts.map((h) => [h, recap(1, h === opts.failed ? 1 : 0)])),
      ms: hosts.length * 100,
      failed: Boolean(opts.failed),
      changed: true,
      interrupted: false,
      ...(opts.notRun ? { notRun: opts.notRun } : {}),
    },
  ];
  return ev.map((e) => JSON.stringify(e)).join('\n') + '\n';
}
const parse = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunEvent);

describe('mergeJsonReports', () => {
  it('makes one run of the shards: hosts, recaps, events, the worst result', () => {
    const merged = parse(
      mergeJsonReports([
        { name: 'a.jsonl', text: shard('1/2', ['web1', 'web3'], { at: '2026-12-04T10:00:02.000Z' }) },
        { name: 'b.jsonl', text: shard('2/2', ['web2'], { failed: 'web2', notRun: ['web4'] }) },
      ]),
    );
    expect(merged[0]).toEqual({
      type: 'run-start',
      inventory: 'prod',
      hosts: ['web1', 'web3', 'web2'],
      withoutRoles: ['bastion'],
      check: false,
      at: '2026-12-04T10:00:00.000Z',
      shards: ['1/2', '2/2'],
    });
    expect(merged.filter((e) => e.type === 'task').map((e) => (e as { host: string }).host)).toEqual(['web1', 'web3', 'web2']);
    expect(merged.filter((e) => e.type === 'batch-start')).toEqual([
      { type: 'batch-start', batch: 1, batches: 2, hosts: ['web1'], shard: '1/2' },
      { type: 'batch-start', batch: 1, batches: 2, hosts: ['web2'], shard: '2/2' },
    ]);
    const done = merged.at(-1) as Extract<RunEvent, { type: 'run-done' }>;
    expect(done).toMatchObject({ type: 'run-done', ms: 200, failed: true, changed: true, interrupted: false, notRun: ['web4'] });
    expect(Object.keys(done.recaps)).toEqual(['web1', 'web3', 'web2']);
    expect(merged.filter((e) => e.type === 'run-start' || e.type === 'run-done')).toHaveLength(2);
  });

  it('merges unsharded runs of disjoint hosts too', () => {
    const merged = parse(
      mergeJsonReports([
        { name: 'a', text: shard(undefined, ['web1']) },
        { name: 'b', text: shard(undefined, ['db1']) },
      ]),
    );
    expect(merged[0]).toMatchObject({ hosts: ['web1', 'db1'], shards: ['a', 'b'] });
  });

  it.each([
    [
      [
        ['1/2', ['web1']],
        ['2/2', ['web1', 'web2']],
      ],
      'Cannot merge: host "web1" is in both "f0" and "f1" (the shards overlap)',
    ],
    [
      [
        ['1/3', ['web1']],
        ['2/3', ['web2']],
      ],
      'Cannot merge: the report of shard 3/3 is missing',
    ],
    [
      [
        ['1/2', ['web1']],
        ['1/2', ['web2']],
      ],
      'Cannot merge: shard 1/2 is both "f0" and "f1"',
    ],
    [
      [
        ['1/2', ['web1']],
        ['2/3', ['web2']],
      ],
      'Cannot merge "f1": it is shard 2/3, the others are shards of 2',
    ],
    [
      [
        ['1/2', ['web1']],
        [undefined, ['web2']],
      ],
      'Cannot merge "f1": it is not a --shard run, and the other reports are',
    ],
  ] as const)('refuses %j', (specs, message) => {
    expect(() => mergeJsonReports(specs.map(([s, hosts], i) => ({ name: `f${i}`, text: shard(s, [...hosts]) })))).toThrow(message);
  });

  it('refuses an unfinished run, a foreign file, other inventories, plans mixed with applies', () => {
    const cut = shard('1/1', ['web1']).trim().split('\n').slice(0, -1).join('\n');
    expect(() => mergeJsonReports([{ name: 'cut.jsonl', text: cut }])).toThrow('Cannot merge "cut.jsonl": it has no run-done event (that run did not finish)');
    expect(() => mergeJsonReports([{ name: 'x.jsonl', text: 'RECAP\n' }])).toThrow('Cannot merge "x.jsonl": line 1 is not JSON');
    expect(() => mergeJsonReports([{ name: 'y.jsonl', text: '{"type":"task"}\n' }])).toThrow('Cannot merge "y.jsonl": it has no run-start event');
    expect(() =>
      mergeJsonReports([
        { name: 'a', text: shard(undefined, ['w1']) },
        { name: 'b', text: shard(undefined, ['w2'], { inventory: 'stage' }) },
      ]),
    ).toThrow('Cannot merge "b": it is a run of inventory "stage", not "prod"');
    expect(() =>
      mergeJsonReports([
        { name: 'a', text: shard(undefined, ['w1']) },
        { name: 'b', text: shard(undefined, ['w2'], { check: true }) },
      ]),
    ).toThrow('Cannot merge "b": plans and applies do not mix');
    expect(() => mergeJsonReports([])).toThrow('Cannot merge: no report given');
  });
});

describe('mergeJunitReports', () => {
  const host = (tasks: Extract<RunEvent, { type: 'task' }>[], extra: Partial<JunitHost> = {}): JunitHost => ({ tasks, ms: 1500, ...extra });
  const a = renderJunit(
    new Map([
      ['web1', host([task('web1', 'changed'), task('web1', 'failed', 'restart')])],
      ['web3', host([task('web3', 'ok')])],
    ]),
  );
  const b = renderJunit(
    new Map([
      ['web2', host([task('web2', 'ok')], { error: 'Cannot connect to host "web2"' })],
      ['web4', host([], { notRun: 'Rollout stopped after batch 1 of 2' })],
    ]),
  );

  it('puts the suites side by side and adds up the totals', () => {
    const merged = mergeJunitReports([
      { name: 'a.xml', text: a },
      { name: 'b.xml', text: b },
    ]);
    expect(merged.split('\n').slice(0, 2)).toEqual(['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites name="wpha" tests="6" failures="2" errors="0">']);
    expect([...merged.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1])).toEqual(['web1', 'web3', 'web2', 'web4']);
    // Each suite is carried over unchanged (escaping included).
    for (const suite of [...a.matchAll(/<testsuite\b[\s\S]*?<\/testsuite>/g), ...b.matchAll(/<testsuite\b[\s\S]*?<\/testsuite>/g)]) expect(merged).toContain(suite[0]);
    expect(merged).toContain('&lt;boom&gt; &amp; &quot;quotes&quot;');
    expect(mergeJunitReports([{ name: 'a.xml', text: merged }])).toBe(merged);
  });

  it('takes empty reports (a shard with no host)', () => {
    const empty = renderJunit(new Map());
    expect(
      mergeJunitReports([
        { name: 'e.xml', text: empty },
        { name: 'a.xml', text: a },
      ]),
    ).toContain('tests="3" failures="1"');
  });

  it('refuses overlapping shards and foreign files', () => {
    expect(() =>
      mergeJunitReports([
        { name: 'a.xml', text: a },
        { name: 'a2.xml', text: a },
      ]),
    ).toThrow('Cannot merge: host "web1" is in both "a.xml" and "a2.xml" (the shards overlap)');
    expect(() => mergeJunitReports([{ name: 'x.xml', text: '<html></html>' }])).toThrow('Cannot merge "x.xml": no <testsuites> element');
    expect(() => mergeJunitReports([{ name: 'y.xml', text: '<testsuites><testsuite tests="1"></testsuite></testsuites>' }])).toThrow('a <testsuite> lacks its name, tests or failures');
  });
});
