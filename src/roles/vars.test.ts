import { describe, expect, it } from 'vitest';
import type { RoleSpec, VarSpec } from '../model.js';
import { checkVarConflicts, checkVarValue, effectiveVars, roleDefaults, roleVarsSchema } from './vars.js';

const spec = (over: Partial<VarSpec>): VarSpec => ({ type: 'string', description: 'd', required: false, secret: false, ...over });
const role = (name: string, variables: Record<string, VarSpec>): RoleSpec => ({ name, dir: `/r/${name}`, description: '', depends: [], variables, ports: [], tasks: [], handlers: [] });

describe('checkVarValue', () => {
  it.each<[Partial<VarSpec>, unknown, string | undefined]>([
    [{ type: 'string' }, 'x', undefined],
    [{ type: 'string' }, 5, 'expected a string, found number 5'],
    [{ type: 'integer' }, 5, undefined],
    [{ type: 'integer' }, 1.5, 'expected an integer, found number 1.5'],
    [{ type: 'integer' }, '{{ facts.cpus * 2 }}', undefined], // checked after rendering
    [{ type: 'number' }, 1.5, undefined],
    [{ type: 'boolean' }, 'yes', 'expected a boolean (true or false), found string "yes"'],
    [{ type: 'list', items: 'integer' }, [1, 'two'], 'expected an integer at item [1], found string "two"'],
    [{ type: 'list' }, { a: 1 }, 'expected a list, found a map'],
    [{ type: 'map' }, [1], 'expected a map, found a list'],
    [{ type: 'any' }, null, undefined],
    [{ type: 'string', enum: ['a', 'b'] }, 'c', 'expected one of "a", "b", found string "c"'],
    [{ type: 'integer', enum: [80, 443] }, 8080, 'expected one of 80, 443, found number 8080'],
    [{ type: 'string', secret: true }, 12345, 'expected a string, found a secret number'],
  ])('%j with %j', (over, value, expected) => {
    expect(checkVarValue(spec(over), value)).toBe(expected);
  });
});

describe('role variable helpers', () => {
  const a = role('a', { port: spec({ type: 'integer', default: 80 }), name: spec({ default: 'a' }), pw: spec({ required: true }) });
  const b = role('b', { name: spec({ default: 'b' }), port: spec({ type: 'string', location: { file: 'b.yaml', line: 3, col: 3 } }) });

  it("builds a zod schema of the role's variables", () => {
    const schema = roleVarsSchema(a);
    expect(schema.safeParse({ pw: 'x', port: 81 }).success).toBe(true);
    expect(schema.safeParse({ port: 81 }).success).toBe(false); // pw required
    expect(schema.safeParse({ pw: 'x', port: '81' }).success).toBe(false);
  });

  it('merges defaults in role order and puts inventory vars over them', () => {
    expect({ ...roleDefaults([a, b]) }).toEqual({ port: 80, name: 'b' });
    const inv = {
      roles: new Map([
        ['a', a],
        ['b', b],
      ]),
    };
    expect({ ...effectiveVars(inv, { roles: ['b', 'a'], vars: { pw: 'p' } }) }).toEqual({ name: 'a', port: 80, pw: 'p' });
  });

  it('reports a variable declared with two types', () => {
    expect(checkVarConflicts([a, b])).toEqual([
      { location: { file: 'b.yaml', line: 3, col: 3 }, path: ['variables', 'port', 'type'], message: 'Variable "port" is declared as string here but as integer by role "a"' },
    ]);
  });
});
