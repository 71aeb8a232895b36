import { describe, expect, it } from 'vitest';
import { editDistance, closestName } from './suggest.js';
import { compareDebianVersions } from './version.js';

describe('compareDebianVersions', () => {
  // [a, b, sign of compare(a, b)]
  it.each([
    ['1.0', '1.0', 0],
    ['1.10', '1.9', 1],
    ['1.2.3', '1.2.10', -1],
    ['2.0~rc1', '2.0', -1],
    ['2.0~rc1', '2.0~rc2', -1],
    ['2.0~~', '2.0~', -1],
    ['1:0.9', '2.0', 1],
    ['0:1.0', '1.0', 0],
    ['1.0-1', '1.0-2', -1],
    ['1.0-10', '1.0-9', 1],
    ['1.0a', '1.0', 1],
    ['1.0a', '1.0+', -1],
    ['12', '12.0', -1],
    ['007', '7', 0],
    ['8.2.7-1~deb12u1', '8.2.7-1', -1],
    ['1.24.0-2+deb12u1', '1.22.1-9', 1],
    ['123456789012345678901', '123456789012345678902', -1],
  ] as const)('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareDebianVersions(a, b))).toBe(sign);
    expect(Math.sign(compareDebianVersions(b, a))).toBe(-sign || 0);
  });
});

describe('suggestions', () => {
  it('counts a swapped pair of letters as one edit', () => {
    expect(editDistance('ngnix', 'nginx')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests close names only', () => {
    expect(closestName('ngnix_enabled', ['nginx_enabled', 'workers'])).toBe('nginx_enabled');
    expect(closestName('PHP_VERSION', ['php_version'])).toBe('php_version');
    expect(closestName('missing_flag', ['hostvars', 'groups'])).toBeUndefined();
    expect(closestName('x', ['y'])).toBe('y');
    expect(closestName('abc', ['xyz'])).toBeUndefined();
  });
});
