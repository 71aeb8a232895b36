import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from './suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['nginx', 'ngnix', 1], // one transposition
    ['kitten', 'sitting', 3],
    ['adress', 'address', 1],
    ['ca', 'abc', 3], // optimal string alignment, not full Damerau
    ['ngix_port', 'nginx_port', 1],
  ])('%s -> %s = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestMatch', () => {
  it('picks the nearest candidate within budget', () => {
    expect(closestMatch('hostz', ['hosts', 'groups', 'vars'])).toBe('hosts');
    expect(closestMatch('xyzzy', ['hosts', 'groups', 'vars'])).toBeUndefined();
  });
  it('prefers a case-only difference', () => {
    expect(closestMatch('Web', ['wen', 'web'])).toBe('web');
  });
  it('suggests nothing for 1-2 letter words and allows 1 edit up to 4 letters', () => {
    expect(closestMatch('d', ['a'])).toBeUndefined();
    expect(closestMatch('ab', ['ax'])).toBeUndefined();
    expect(closestMatch('abc', ['abx'])).toBe('abx');
    expect(closestMatch('abcd', ['abxy'])).toBeUndefined();
    expect(closestMatch('abcde', ['abxye'])).toBe('abxye');
  });
  it('formats the hint', () => {
    expect(didYouMean('adress', ['address', 'port'])).toBe(' (did you mean "address"?)');
    expect(didYouMean('zzz', ['address'])).toBe('');
  });
});
