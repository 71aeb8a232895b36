#!/usr/bin/env node
// The end of scripts/quickstart: where the lab's site is and what to try next, read from the
// resolved lab inventory (src/lab/next-steps.ts).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inventory = process.argv[2] ?? 'lab';
const { nextSteps } = await import(path.join(root, 'dist/lab/next-steps.js'));
const json = execFileSync('node', [path.join(root, 'bin/wpha'), 'inventory', 'show', '-i', inventory, '--json'], { cwd: root, encoding: 'utf8' });
process.stdout.write(nextSteps(JSON.parse(json)));
