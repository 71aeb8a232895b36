import { describe, expect, it } from 'vitest';
import { parseLibconfig } from './libconfig.js';

describe('parseLibconfig', () => {
  it('reads settings, groups, lists, arrays, strings and numbers as libconfig does', () => {
    const text = `# comment
datadir="/var/lib/x"   // another
admin = { user: "a" "b"; n = 0x10, f = 1.5e1 ; on = true }
servers =
(
  { address = "10.0.0.1", port = 3306, hostgroup = 10 },
  { address = "a \\"quoted\\" \\\\ str", port = 0, hostgroup = 20L }
)
empty = ()
arr = [1, 2, 3]
/* block
   comment */
last = -4;`;
    expect(parseLibconfig(text)).toEqual({
      datadir: '/var/lib/x',
      admin: { user: 'ab', n: 16, f: 15, on: true },
      servers: [
        { address: '10.0.0.1', port: 3306, hostgroup: 10 },
        { address: 'a "quoted" \\ str', port: 0, hostgroup: 20 },
      ],
      empty: [],
      arr: [1, 2, 3],
      last: -4,
    });
  });

  it('refuses what libconfig refuses, naming the line', () => {
    expect(() => parseLibconfig('a = 1\nb = "open\n')).toThrow(/^libconfig line 2: unterminated string/);
    expect(() => parseLibconfig('a = (1 2)')).toThrow(/expected "," or "\)"/);
    expect(() => parseLibconfig('a = 1\na = 2')).toThrow(/line 2: setting "a" given twice/);
    expect(() => parseLibconfig('g = { x = 1')).toThrow(/missing "}"/);
    expect(() => parseLibconfig('1a = 2')).toThrow(/expected a setting name/);
    expect(() => parseLibconfig('s = "a\\qb"')).toThrow(/unknown escape/);
  });
});
