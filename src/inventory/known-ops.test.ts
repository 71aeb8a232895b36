import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultKnownOps, opsFromModule } from './known-ops.js';

const op = (name: string) => ({ name, args: z.object({}), plan: () => ({ changed: false, summary: [] }) });

describe('known ops', () => {
  it('reads ops from the shapes a registry may export', () => {
    expect([...opsFromModule({ ops: new Map([['a', op('a')]]) }).keys()]).toEqual(['a']);
    expect([...opsFromModule({ list: [op('b'), { name: 'not-an-op' }] }).keys()]).toEqual(['b']);
    expect([...opsFromModule({ record: { c: op('c') }, d: op('d') }).keys()]).toEqual(['c', 'd']);
  });

  it('finds the op modules of this project', async () => {
    const ops = await defaultKnownOps();
    // apt and file are implemented ops; their schemas come along.
    expect(ops.has('apt')).toBe(true);
    expect(ops.get('file')!.args.safeParse({}).success).toBe(false);
  });
});
