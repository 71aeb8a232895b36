import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, shippedRolesDir } from './paths.js';

describe('projectRoot', () => {
  it('finds the package root from src/ under vitest', () => {
    const root = projectRoot();
    expect(path.basename(path.join(root, 'src'))).toBe('src');
    expect(shippedRolesDir(root)).toBe(path.join(root, 'roles'));
  });

  it('walks up from a dist/-like nested module to the package named wpha, skipping others', () => {
    const base = mkdtempSync(path.join(tmpdir(), 'wpha-root-'));
    writeFileSync(path.join(base, 'package.json'), JSON.stringify({ name: 'wpha' }));
    const nested = path.join(base, 'dist', 'inventory');
    mkdirSync(nested, { recursive: true });
    writeFileSync(path.join(base, 'dist', 'package.json'), JSON.stringify({ name: 'other' }));
    try {
      expect(projectRoot(path.join(nested, 'load.js'))).toBe(base);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
