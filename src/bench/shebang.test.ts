import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envOfLaunch, launchOfShebang } from './shebang.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

describe('launchOfShebang', () => {
  it.each([
    ['#!/usr/bin/env node', []],
    ['#!/usr/bin/env -S node --max-semi-space-size=2', ['--max-semi-space-size=2']],
    ['#!/usr/bin/env -S node --a=1  --b', ['--a=1', '--b']],
  ])('%s', (line, want) => expect(launchOfShebang(line)).toEqual({ nodeOptions: want, unset: [], assign: [] }));
  it.each(['#!/bin/sh', '// no shebang', '#!/usr/bin/env -S node --a; rm -rf /', '#!/usr/bin/env -S X=$(id) node', '#!/usr/bin/env -S -u node'])('refuses %s', (line) => {
    expect(() => launchOfShebang(line)).toThrow(/not a node shebang/);
  });
  it("reads bin/wpha's own line: NODE_EXTRA_CA_CERTS kept out of Node's start, passed on as WPHA_CA", () => {
    const first = readFileSync(path.join(root, 'bin/wpha'), 'utf8').split('\n')[0]!;
    const launch = launchOfShebang(first);
    expect(launch).toEqual({
      nodeOptions: ['--max-semi-space-size=2', '--no-flush-bytecode'],
      unset: ['NODE_EXTRA_CA_CERTS'],
      assign: [{ name: 'WPHA_CA', from: 'NODE_EXTRA_CA_CERTS' }],
    });
    expect(envOfLaunch(launch, { NODE_EXTRA_CA_CERTS: '/etc/ca.pem', HOME: '/root' })).toEqual({ NODE_EXTRA_CA_CERTS: undefined, WPHA_CA: '/etc/ca.pem' });
    expect(envOfLaunch(launch, {})).toEqual({ NODE_EXTRA_CA_CERTS: undefined, WPHA_CA: '' });
  });
  it('a variable both unset and assigned ends assigned, as env does', () => {
    expect(envOfLaunch(launchOfShebang('#!/usr/bin/env -S -u A A=${B} node'), { A: 'a', B: 'b' })).toEqual({ A: 'b' });
  });
});
