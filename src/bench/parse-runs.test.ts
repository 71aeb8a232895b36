import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeChanges, notNoOp, parseAnsibleOutput, parseWphaJson, type RunOutcome, ownShare } from './parse-runs.js';

// Outputs recorded from real runs of both tools on lab hosts (x-9 is an address nobody answers on).
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

interface Case {
  file: string;
  parse: (s: string) => RunOutcome;
  hosts: Record<string, { changed: number; failed: number; unreachable: boolean; roundTrips?: number }>;
  changed: string[];
  errors: RegExp[];
  notNoOp: string[];
}

const CASES: Case[] = [
  {
    file: 'ansible-first-apply.out',
    parse: parseAnsibleOutput,
    hosts: { 'x-2': { changed: 18, failed: 0, unreachable: false } },
    changed: [
      'base packages',
      'deploy user',
      'site root',
      'fastcgi cache dir',
      'health page',
      'nginx fastcgi cache zone',
      'nginx site',
      'enable site',
      'drop default site',
      'php-fpm pool',
      'php opcache tuning',
      'redis maxmemory',
      'redis eviction policy',
      'kernel tuning',
      'cache warmer cron',
      'reload nginx',
      'restart php-fpm',
      'restart redis',
    ].map((t) => `x-2 ${t}`),
    errors: [],
    notNoOp: ['x-2'],
  },
  {
    file: 'ansible-noop.out',
    parse: parseAnsibleOutput,
    hosts: { 'x-1': { changed: 0, failed: 0, unreachable: false }, 'x-2': { changed: 0, failed: 0, unreachable: false } },
    changed: [],
    errors: [],
    notNoOp: [],
  },
  {
    file: 'ansible-failed-unreachable.out',
    parse: parseAnsibleOutput,
    hosts: {
      'x-1': { changed: 0, failed: 0, unreachable: false },
      'x-2': { changed: 0, failed: 1, unreachable: false },
      'x-9': { changed: 0, failed: 0, unreachable: true },
    },
    changed: [],
    errors: [/^x-9: task "Gathering Facts": UNREACHABLE!/, /^x-2: task "cache warmer cron": FAILED!.*not writable/],
    notNoOp: ['x-2', 'x-9'],
  },
  {
    file: 'wpha-changed.jsonl',
    parse: parseWphaJson,
    hosts: { 'x-1': { changed: 3, failed: 0, unreachable: false, roundTrips: 4 }, 'x-2': { changed: 0, failed: 0, unreachable: false, roundTrips: 1 } },
    changed: ['x-1 redis maxmemory', 'x-1 cache warmer cron', 'x-1 restart redis'],
    errors: [],
    notNoOp: ['x-1'],
  },
  {
    file: 'wpha-noop.jsonl',
    parse: parseWphaJson,
    hosts: { 'x-1': { changed: 0, failed: 0, unreachable: false, roundTrips: 1 }, 'x-2': { changed: 0, failed: 0, unreachable: false, roundTrips: 1 } },
    changed: [],
    errors: [],
    notNoOp: [],
  },
  {
    file: 'wpha-unreachable.jsonl',
    parse: parseWphaJson,
    hosts: { 'x-1': { changed: 0, failed: 0, unreachable: false, roundTrips: 2 }, 'x-9': { changed: 0, failed: 0, unreachable: true, roundTrips: 0 } },
    changed: [],
    errors: [/^x-9: Cannot connect to host "x-9" \(172\.31\.246\.99:22\)/],
    notNoOp: ['x-9'],
  },
];

describe('run output parsers (recorded outputs)', () => {
  it.each(CASES)('$file', (c) => {
    const o = c.parse(fixture(c.file));
    expect(o.hosts).toEqual(c.hosts);
    expect(o.changedTasks.map((t) => `${t.host} ${t.task}`)).toEqual(c.changed);
    expect(o.errors).toHaveLength(c.errors.length);
    c.errors.forEach((re, i) => expect(o.errors[i]).toMatch(re));
    expect(notNoOp(o).sort()).toEqual(c.notNoOp);
  });

  it('marks handlers and keeps what wpha said it changed', () => {
    const o = parseWphaJson(fixture('wpha-changed.jsonl'));
    expect(o.engineMs).toBe(726);
    expect(parseAnsibleOutput(fixture('ansible-noop.out')).engineMs).toBeUndefined();
    expect(describeChanges(o)).toEqual([
      'x-1: "redis maxmemory": update /etc/redis/redis.conf: replace line 1119',
      'x-1: "cache warmer cron": create /etc/cron.d/cache-warmer (61 bytes, mode 0644, root:root)',
      'x-1: handler "restart redis": restart redis-server.service',
    ]);
    const a = parseAnsibleOutput(fixture('ansible-first-apply.out'));
    expect(a.changedTasks.filter((t) => t.handler).map((t) => t.task)).toEqual(['reload nginx', 'restart php-fpm', 'restart redis']);
  });

  it('reads a host as not converged when its recap line says so, even without task lines', () => {
    const o = parseAnsibleOutput('PLAY RECAP ***\nweb-1                      : ok=3    changed=1    unreachable=0    failed=0    skipped=0\n');
    expect(o.hosts['web-1']).toEqual({ changed: 1, failed: 0, unreachable: false });
    expect(notNoOp(o)).toEqual(['web-1']);
  });
});

describe("wpha's own share of a host's time", () => {
  it('is what is left after apt/dpkg and services, read from host-done recaps', () => {
    const line = JSON.stringify({
      type: 'host-done',
      host: 'web-1',
      recap: { ok: 1, changed: 19, failed: 0, skipped: 0, unreachable: false, aptMs: 40_000, serviceMs: 2_000, ms: 45_000 },
      roundTrips: 7,
      ms: 45_000,
    });
    const h = parseWphaJson(`${line}\n`).hosts['web-1']!;
    expect(h).toMatchObject({ ms: 45_000, aptMs: 40_000, serviceMs: 2_000, roundTrips: 7 });
    expect(ownShare(h)).toBeCloseTo(3_000 / 45_000);
    expect(ownShare({ changed: 0, failed: 0, unreachable: false })).toBeUndefined();
  });
});
