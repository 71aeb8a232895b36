import { describe, it, expect } from 'vitest';
import { batchedWriter } from './json.js';

describe('--json output', () => {
  it('writes the lines of one event-loop turn in one write, in order, nothing lost', async () => {
    const writes: string[] = [];
    const out = batchedWriter((s) => writes.push(s));
    out.write('a\n');
    out.write('b\n');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\n']);
    out.write('c\n');
    out.flush();
    expect(writes).toEqual(['a\nb\n', 'c\n']);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });
});
