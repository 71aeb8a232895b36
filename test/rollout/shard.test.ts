/**
 * `--shard i/n` on lab hosts: two agents' shards run at the same time, converge disjoint parts
 * that cover every host, and their --json / --junit reports merge into one (the JUnit files,
 * each shard's and the merged one, validated with xmllint against the schema Jenkins reads).
 * Reordering the inventory moves no host; host locks keep overlapping runs apart.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents } from '../helpers/wpha-cli.js';
import { validateJunit } from '../helpers/junit-schema.js';
import type { RunEvent } from '../../src/engine/events.js';

const ROLES = 'test/engine/fixtures/roles';
const GATE = 'test/rollout/fixtures/roles';
const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/wpha');
const start = (ev: RunEvent[]) => ev.find((e): e is Extract<RunEvent, { type: 'run-start' }> => e.type === 'run-start')!;

describe('--shard on lab hosts', () => {
  let lab: LabHosts;
  let inv: string;
  let names: string[];
  let work: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(4, 'shd');
    names = lab.hosts.map((h) => h.name);
    inv = writeLabInventory(lab, { groups: { app: { hosts: [0, 1, 2, 3], roles: ['demo', 'gate'] } }, roleDirs: [ROLES, GATE] }).dir;
    work = mkdtempSync(path.join(tmpdir(), 'wpha-shards-'));
  });
  afterAll(async () => lab?.release());

  it('two shards at once converge disjoint halves covering every host; their reports merge and validate', async () => {
    const j = (i: number) => path.join(work, `shard-${i}.xml`);
    const [r1, r2] = await Promise.all([1, 2].map((i) => runWpha(['apply', '-i', inv, '--shard', `${i}/2`, '--json', '--junit', j(i)])));
    expect([r1!.code, r2!.code]).toEqual([0, 0]);
    const [h1, h2] = [r1!, r2!].map((r) => start(jsonEvents(r.stdout)).hosts);
    expect(h1!.length).toBe(2);
    expect(h2!.length).toBe(2);
    expect([...h1!, ...h2!].sort()).toEqual([...names].sort());
    expect(start(jsonEvents(r1!.stdout)).shard).toBe('1/2');
    for (const h of names) expect((await lab.ssh(h, 'cat /srv/demo/last')).stdout).toBe('done');
    // Each agent touched only its own hosts.
    for (const [r, mine] of [
      [r1!, h1!],
      [r2!, h2!],
    ] as const) {
      const touched = new Set(jsonEvents(r.stdout).flatMap((e) => ('host' in e ? [e.host] : [])));
      expect([...touched].sort()).toEqual([...mine].sort());
    }

    const jsonFiles = [r1!, r2!].map((r, i) => {
      const f = path.join(work, `shard-${i + 1}.jsonl`);
      writeFileSync(f, r.stdout);
      return f;
    });
    const mergedJson = await runWpha(['report', 'merge', '--json', ...jsonFiles, '-o', path.join(work, 'all.jsonl')]);
    expect(mergedJson.code, mergedJson.stderr).toBe(0);
    const all = jsonEvents(readFileSync(path.join(work, 'all.jsonl'), 'utf8'));
    expect(start(all)).toMatchObject({ shards: ['1/2', '2/2'], hosts: [...h1!, ...h2!] });
    const done = all.at(-1) as Extract<RunEvent, { type: 'run-done' }>;
    expect(done).toMatchObject({ type: 'run-done', failed: false, changed: true });
    expect(Object.keys(done.recaps).sort()).toEqual([...names].sort());

    const merged = path.join(work, 'all.xml');
    const m = await runWpha(['report', 'merge', '--junit', j(1), j(2), '-o', merged]);
    expect(m.code, m.stderr).toBe(0);
    const xml = readFileSync(merged, 'utf8');
    expect([...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((x) => x[1]).sort()).toEqual([...names].sort());
    for (const f of [j(1), j(2), merged]) {
      const v = await validateJunit(f);
      expect(v.output).toContain(`${f} validates`);
      expect(v.ok).toBe(true);
    }
    // The same file, as merged twice, is refused: a host would be counted twice.
    const twice = await runWpha(['report', 'merge', '--junit', j(1), j(1), '-o', path.join(work, 'bad.xml')]);
    expect(twice.code).toBe(65);
    expect(twice.stderr).toMatch(new RegExp(`^wpha: Cannot merge: host "(${h1!.join('|')})" is in both "${j(1)}" and "${j(1)}" \\(the shards overlap\\)$`, 'm'));
  });

  it('reordering hosts in inventory.yaml moves no host to another shard', async () => {
    const reordered = writeLabInventory(lab, { groups: { app: { hosts: [3, 1, 0, 2], roles: ['demo', 'gate'] } }, roleDirs: [ROLES, GATE] }).dir;
    const file = path.join(reordered, 'inventory.yaml');
    const doc = parse(readFileSync(file, 'utf8')) as { hosts: Record<string, unknown> };
    doc.hosts = Object.fromEntries(Object.entries(doc.hosts).reverse());
    writeFileSync(file, stringify(doc));
    for (const i of [1, 2]) {
      const a = start(jsonEvents((await runWpha(['plan', '-i', inv, '--shard', `${i}/2`, '--json'])).stdout)).hosts;
      const b = start(jsonEvents((await runWpha(['plan', '-i', reordered, '--shard', `${i}/2`, '--json'])).stdout)).hosts;
      expect([...b].sort()).toEqual([...a].sort());
      expect(b).toEqual([...names].reverse().filter((h) => a.includes(h)));
    }
  });

  it('host locks keep overlapping runs apart: a full apply is refused on the hosts a shard is converging', async () => {
    const shard1 = start(jsonEvents((await runWpha(['plan', '-i', inv, '--shard', '1/2', '--json'])).stdout)).hosts;
    const others = names.filter((h) => !shard1.includes(h));
    await Promise.all(names.map((h) => lab.ssh(h, 'rm -f /srv/demo/last')));
    // Shard 1 holds its hosts (and their locks) at the gate until the test opens it.
    const held = execa('node', [BIN, 'apply', '-i', inv, '--shard', '1/2', '-e', 'gate_wait=true', '--json'], { reject: false, env: { CI: '1' } });
    const waiting = async () => (await Promise.all(shard1.map((h) => lab.ssh(h, 'test -e /run/wpha-gate-waiting')))).every((r) => r.code === 0);
    for (let i = 0; i < 600 && !(await waiting()); i++) await new Promise((r) => setTimeout(r, 100));
    const full = await runWpha(['apply', '-i', inv, '--json']);
    expect(full.code).toBe(1);
    const ev = jsonEvents(full.stdout);
    for (const h of shard1) {
      const f = ev.find((e): e is Extract<RunEvent, { type: 'host-failed' }> => e.type === 'host-failed' && e.host === h);
      expect(f?.error).toMatch(new RegExp(`^Host "${h}" is locked by another run: \\S+@\\S+ pid \\d+ since `));
    }
    for (const h of others) expect(ev.find((e) => e.type === 'host-done' && e.host === h)).toMatchObject({ recap: { failed: 0 } });
    await Promise.all(shard1.map((h) => lab.ssh(h, 'touch /run/wpha-gate-open')));
    const s = await held;
    expect(s.exitCode).toBe(0);
    expect(
      jsonEvents(String(s.stdout))
        .filter((e) => e.type === 'task' && e.task === 'wait at the gate' && e.status === 'changed')
        .map((e) => (e as { host: string }).host)
        .sort(),
    ).toEqual([...shard1].sort());
    for (const h of names) expect((await lab.ssh(h, 'cat /srv/demo/last')).stdout).toBe('done');
  });
});
