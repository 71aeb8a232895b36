import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { projectRoot } from '../paths.js';
import { OPS } from './registry.js';
import { argumentTable, operationReference, typeLabel } from './reference.js';

describe('operation reference', () => {
  it('docs/operations.md is what `npm run docs:ops` writes from the schemas (run it after changing an operation)', () => {
    const page = readFileSync(path.join(projectRoot(), 'docs', 'operations.md'), 'utf8');
    expect(page).toBe(operationReference(OPS.values()));
  });

  it('lists every operation with a table of its arguments', () => {
    const page = operationReference(OPS.values());
    for (const name of OPS.keys()) expect(page).toContain(`\n## ${name}\n`);
    expect(page).toContain('| `creates` | string |  |  |');
  });

  it('types, required arguments and defaults come from the schema', () => {
    const args = z.strictObject({
      name: z.union([z.string(), z.array(z.string())]).describe('One or | several'),
      state: z.enum(['present', 'absent']).default('present').describe('What to do'),
      env: z.record(z.string(), z.string()).optional().describe('Variables'),
    });
    expect(argumentTable({ name: 'x', args })).toBe(
      [
        '| Argument | Type | Required | Default | Meaning |',
        '|---|---|---|---|---|',
        '| `name` | string or list of string | yes |  | One or \\| several |',
        '| `state` | "present" \\| "absent" |  | `"present"` | What to do |',
        '| `env` | map |  |  | Variables |',
      ].join('\n') + '\n',
    );
    expect(typeLabel({ const: 'local' })).toBe('"local"');
    expect(typeLabel({})).toBe('any');
  });
});
