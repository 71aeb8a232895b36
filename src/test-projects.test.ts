/**
 * `npm run test:unit` is the whole host-free suite: every test file under test/ that the lab
 * project runs (root, a bridge, booted hosts) must use lab hosts; one that does not is named
 * *.unit.test.ts and runs in the unit project (vitest.config.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './paths.js';

const root = projectRoot();

function testFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(rel);
    return e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

/** What a lab test does that a unit test must not: boot or reach lab hosts (passScenarios runs `wpha test`, which boots them). */
const USES_LAB = /\bacquireLabHosts\(|\bnew Lab\(|\bpassScenarios\(/;

describe('test projects', () => {
  const files = testFiles('test');

  it('finds the lab tests', () => {
    expect(files.filter((f) => USES_LAB.test(readFileSync(path.join(root, f), 'utf8'))).length).toBeGreaterThan(20);
  });

  it('every test/ file the lab project runs uses lab hosts; the others are *.unit.test.ts', () => {
    const hostFree = files.filter((f) => !f.endsWith('.unit.test.ts') && !USES_LAB.test(readFileSync(path.join(root, f), 'utf8')));
    expect(hostFree).toEqual([]);
  });

  it('no *.unit.test.ts boots lab hosts', () => {
    const booting = files.filter((f) => f.endsWith('.unit.test.ts') && USES_LAB.test(readFileSync(path.join(root, f), 'utf8')));
    expect(booting).toEqual([]);
  });
});
