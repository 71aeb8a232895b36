import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRenderer } from './index.js';

// The project's own shared partials (templates/partials) must compile and render.
const shared = fileURLToPath(new URL('../../templates/partials/', import.meta.url));

describe('templates/partials', () => {
  const r = createRenderer({ partialDirs: [shared] });

  it('registers the shared partials', () => {
    expect(r.partialNames).toContain('managed');
  });

  it('managed prints a header with a configurable comment sign', () => {
    const vars = Object.create(null);
    expect(r.renderString('{{> managed}}', vars, { origin: 't:1:1' })).toBe('# Managed by wpha: local changes are overwritten on the next apply.\n');
    expect(r.renderString('{{> managed comment=";"}}', vars, { origin: 't:1:1' })).toBe('; Managed by wpha: local changes are overwritten on the next apply.\n');
  });
});
