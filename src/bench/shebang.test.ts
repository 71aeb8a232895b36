import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nodeOptionsOfShebang } from './shebang.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

describe('nodeOptionsOfShebang', () => {
  it.each([
    ['#!/usr/bin/env node', []],
    ['#!/usr/bin/env -S node --max-semi-space-size=2', ['--max-semi-space-size=2']],
    ['#!/usr/bin/env -S node --a=1  --b', ['--a=1', '--b']],
  ])('%s', (line, want) => expect(nodeOptionsOfShebang(line)).toEqual(want));
  it.each(['#!/bin/sh', '// no shebang', '#!/usr/bin/env -S node --a; rm -rf /'])('refuses %s', (line) => {
    expect(() => nodeOptionsOfShebang(line)).toThrow(/not a node shebang/);
  });
  it("reads bin/wpha's own line", () => {
    const first = readFileSync(path.join(root, 'bin/wpha'), 'utf8').split('\n')[0]!;
    expect(nodeOptionsOfShebang(first)).toEqual(['--max-semi-space-size=2', '--no-flush-bytecode']);
  });
});
