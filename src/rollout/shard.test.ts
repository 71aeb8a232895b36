import { describe, it, expect } from 'vitest';
import { assignShards, parseShard, shardHosts } from './shard.js';

const hosts = Array.from({ length: 23 }, (_, i) => `web${i + 1}`).concat(['db1', 'db2', 'db3', 'front1', 'front2']);
const stratum = (h: string) => h.replace(/[0-9]+$/, '');

describe('--shard', () => {
  it('parses i/n and refuses anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/2', '3/2', '1/0', '1', '1/2/3', 'a/b', '-1/2', '1.5/2', '']) expect(() => parseShard(bad)).toThrow(`--shard "${bad}": expected i/n with 1 <= i <= n`);
  });

  it('covers every host exactly once, with shard sizes differing by at most one', () => {
    for (const n of [1, 2, 3, 4, 7, 28, 40]) {
      const parts = Array.from({ length: n }, (_, i) => shardHosts(hosts, stratum, { index: i + 1, count: n }));
      expect(parts.flat().sort()).toEqual([...hosts].sort());
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('spreads each rollout unit evenly over the shards', () => {
    for (const n of [2, 3, 4]) {
      for (const s of ['web', 'db', 'front']) {
        const counts = Array.from({ length: n }, (_, i) => shardHosts(hosts, stratum, { index: i + 1, count: n }).filter((h) => stratum(h) === s).length);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('does not depend on inventory order, and keeps the run order inside a shard', () => {
    const shuffled = [...hosts].reverse();
    shuffled.push(...shuffled.splice(0, 9));
    for (const i of [1, 2, 3]) {
      const a = shardHosts(hosts, stratum, { index: i, count: 3 });
      const b = shardHosts(shuffled, stratum, { index: i, count: 3 });
      expect([...b].sort()).toEqual([...a].sort());
      expect(b).toEqual(shuffled.filter((h) => b.includes(h)));
    }
  });

  it('is a fixed function of the names (golden split)', () => {
    // A change to the split would send hosts to other agents between two versions of wpha:
    // it must be deliberate, so the exact split is pinned here.
    const m = assignShards(['web1', 'web2', 'web3', 'web4', 'db1', 'db2'], stratum, 2);
    expect(Object.fromEntries(m)).toMatchInlineSnapshot(`
      {
        "db1": 2,
        "db2": 1,
        "web1": 2,
        "web2": 1,
        "web3": 1,
        "web4": 2,
      }
    `);
  });

  it('gives an empty shard when there are more shards than hosts', () => {
    expect(shardHosts(['a1', 'a2'], stratum, { index: 3, count: 3 })).toEqual([]);
  });
});
