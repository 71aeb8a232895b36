import { describe, it, expect } from 'vitest';
import { batchSizes, parseBatchEntry, parseBatchSpec, splitIntoBatches, BatchSpecError } from './batch-size.js';
import { ExitCode } from '../errors.js';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, got none');
}

describe('batchSizes (Ansible serial semantics)', () => {
  it.each([
    // [total, spec, expected]
    [10, [1, '25%', '100%'], [1, 2, 7]],
    [10, [3], [3, 3, 3, 1]],
    [10, ['3'], [3, 3, 3, 1]],
    [10, ['30%'], [3, 3, 3, 1]],
    [4, [1, '25%', '100%'], [1, 1, 2]],
    [5, ['10%'], [1, 1, 1, 1, 1]], // 0.5 host rounds down to 0, then up to the minimum of 1
    [7, ['50%'], [3, 3, 1]],
    [3, [5], [3]],
    [3, ['100%'], [3]],
    [6, [1, 2], [1, 2, 2, 1]], // the last entry repeats
    [2, [1, 1, 1, 1], [1, 1]], // more entries than needed
    [6, [], [6]], // no serial: one batch
    [0, [], []],
    [0, [1, '25%'], []],
    [100, ['29%'], [29, 29, 29, 13]], // exact: Ansible's float math gives 28 here
    [1, ['1%'], [1]],
    [10, ['007%', '02'], [1, 2, 2, 2, 2, 1]], // leading zeros are read as YAML would read the number
  ] as const)('%i hosts, %j -> %j', (total, spec, expected) => {
    const sizes = batchSizes(total, spec);
    expect(sizes).toEqual(expected);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
  });

  it.each([
    [0, 'Batch size 0 is not valid'],
    [-2, 'Batch size -2 is not valid'],
    [1.5, 'Batch size 1.5 is not valid'],
    ['0', 'Batch size "0" is not valid'],
    ['0%', 'Batch size "0%" is not valid'],
    ['101%', 'Batch size "101%" is not valid'],
    ['12.5%', 'Batch size "12.5%" is not valid'],
    ['-1', 'Batch size "-1" is not valid'],
    ['ten', 'Batch size "ten" is not valid'],
    ['25 %', 'Batch size "25 %" is not valid'],
    ['%', 'Batch size "%" is not valid'],
    ['', 'Batch size "" is not valid'],
    [' 25%', 'Batch size " 25%" is not valid'],
    ['1000%', 'Batch size "1000%" is not valid'],
    ['99999999999999999999', 'Batch size "99999999999999999999" is not valid'],
    [Number.NaN, 'Batch size NaN is not valid'],
    [Number.POSITIVE_INFINITY, 'Batch size Infinity is not valid'],
  ] as const)('refuses %j', (entry, message) => {
    expect(() => batchSizes(10, [entry])).toThrow(message);
    const error = caught(() => parseBatchEntry(entry));
    expect(error).toBeInstanceOf(BatchSpecError);
    expect((error as BatchSpecError).exitCode).toBe(ExitCode.input);
    expect((error as Error).message).toContain('"25%"'); // the hint shows a valid form
  });

  it('checks every entry even when fewer batches are needed', () => {
    expect(() => batchSizes(1, [1, 'x%'])).toThrow('Batch size "x%" is not valid');
    expect(() => batchSizes(0, [0])).toThrow('Batch size 0 is not valid');
  });

  it('rejects a total that is not a host count', () => {
    expect(() => batchSizes(-1, [1])).toThrow(RangeError);
    expect(() => batchSizes(2.5, [1])).toThrow(RangeError);
  });
});

describe('parseBatchSpec (command line)', () => {
  it('splits on commas and keeps the entries as given', () => {
    expect(parseBatchSpec('1,25%,100%')).toEqual(['1', '25%', '100%']);
    expect(parseBatchSpec(' 2 , 50% ')).toEqual(['2', '50%']);
    expect(batchSizes(8, parseBatchSpec('1,25%,100%'))).toEqual([1, 2, 5]);
  });
  it.each(['', '1,,2', '1,', ','])('refuses %j', (text) => {
    expect(() => parseBatchSpec(text)).toThrow('are not valid');
  });
  it('names the bad entry', () => {
    expect(() => parseBatchSpec('1,0')).toThrow('Batch size "0" is not valid');
  });
});

describe('splitIntoBatches', () => {
  it('keeps the order and every host once', () => {
    expect(splitIntoBatches(['a', 'b', 'c', 'd', 'e'], [1, '50%'])).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    expect(splitIntoBatches([], [1])).toEqual([]);
  });
});
