import { describe, expect, it } from 'vitest';
import { isValidAddress, isValidProxyJump } from './names.js';

describe('isValidAddress', () => {
  it.each([
    ['10.0.0.1', true],
    ['172.31.250.11', true],
    ['10.0.0.300', false], // all-numeric last label: a mistyped address, not a name
    ['10.0.0', false],
    ['::1', true],
    ['2001:db8::31', true],
    ['fe80::1::2', false],
    ['db1', true],
    ['web-1.example.com', true],
    ['web-1.example.com.', true],
    ['-web.example.com', false],
    ['bad_host', false],
    ['a'.repeat(64) + '.example', false], // label over 63 characters
    ['', false],
  ])('%s -> %s', (address, ok) => {
    expect(isValidAddress(address)).toBe(ok);
  });
});

describe('isValidProxyJump', () => {
  it.each([
    ['bastion.example.com', true],
    ['deploy@bastion.example.com:2222', true],
    ['deploy@[2001:db8::1]:22', true],
    ['10.0.0.1:0', false],
    ['bastion:99999', false],
    ['Deploy@bastion', false],
    ['deploy@', false],
  ])('%s -> %s', (value, ok) => {
    expect(isValidProxyJump(value)).toBe(ok);
  });
});
