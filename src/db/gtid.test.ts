import { describe, expect, it } from 'vitest';
import { compareGtid, covers, formatGtidPos, mergeGtid, mostAdvanced, parseGtidPos, transactionsAhead } from './gtid.js';

const p = parseGtidPos;

describe('GTID positions', () => {
  it('parses and prints positions, one entry per domain', () => {
    expect(formatGtidPos(p('1-7-3,0-2887765092-38'))).toBe('0-2887765092-38,1-7-3');
    expect(p('').size).toBe(0);
    expect(() => p('0-1')).toThrow('Not a GTID position: "0-1"');
  });

  it.each([
    ['0-1-10', '0-1-10', 'equal'],
    ['0-1-11', '0-1-10', 'ahead'],
    // A promoted replica continues the sequence with its own server id: still ahead.
    ['0-2-12', '0-1-10', 'ahead'],
    ['0-1-9', '0-2-12', 'behind'],
    ['', '0-1-1', 'behind'],
    ['0-1-1', '', 'ahead'],
    // The same seq written by two servers: one of them holds an errant transaction.
    ['0-1-10', '0-2-10', 'diverged'],
    ['0-1-10,1-3-5', '0-1-11', 'diverged'],
    ['0-1-10,1-3-5', '0-1-10', 'ahead'],
  ] as const)('%s against %s is %s', (a, b, order) => {
    expect(compareGtid(p(a), p(b))).toBe(order);
    expect(covers(p(a), p(b))).toBe(order === 'equal' || order === 'ahead');
  });

  it('counts the transactions one position has beyond another', () => {
    expect(transactionsAhead(p('0-2-15,1-1-3'), p('0-1-10'))).toBe(8);
    expect(transactionsAhead(p('0-1-10'), p('0-2-15'))).toBe(0);
  });

  it('merges what a server logged with what it applied (the later entry per domain)', () => {
    expect(formatGtidPos(mergeGtid(p('0-1-20'), p('0-2-25,1-3-1')))).toBe('0-2-25,1-3-1');
    expect(formatGtidPos(mergeGtid(p('0-1-20'), p('')))).toBe('0-1-20');
  });

  it('finds the entries that cover all others', () => {
    const nodes = [
      { n: 'a', pos: p('0-1-10') },
      { n: 'b', pos: p('0-1-12') },
      { n: 'c', pos: p('0-1-12') },
    ];
    expect(mostAdvanced(nodes, (x) => x.pos).map((x) => x.n)).toEqual(['b', 'c']);
    expect(
      mostAdvanced(
        [
          { n: 'a', pos: p('0-1-10') },
          { n: 'b', pos: p('0-2-10') },
        ],
        (x) => x.pos,
      ),
    ).toEqual([]);
  });
});
