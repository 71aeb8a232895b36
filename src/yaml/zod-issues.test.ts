import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssue } from '../errors.js';
import { parseYaml } from './parse.js';
import { allowedKeys, schemaAt, zodIssuesToInputIssues } from './zod-issues.js';

const Schema = z.strictObject({
  name: z.string(),
  port: z.int({ error: 'Expected a port number' }).min(1, { error: 'Expected a port from 1' }).optional(),
  proto: z.enum(['tcp', 'udp']).optional(),
  notify: z.union([z.string(), z.array(z.string())], { error: 'Expected a string or a list of strings' }).optional(),
  items: z.array(z.strictObject({ address: z.string(), user: z.string().optional() })).optional(),
  vars: z.record(z.string().regex(/^[a-z_]+$/, { error: 'Expected a lowercase name' }), z.unknown()).optional(),
});

function check(text: string): string[] {
  const doc = parseYaml(text, { file: 'f.yaml' });
  const result = Schema.safeParse(doc.value);
  if (result.success) return [];
  return zodIssuesToInputIssues(result.error.issues, { doc, schema: Schema, isSecret: (p) => p[0] === 'secret' }).map(formatIssue);
}

describe('zodIssuesToInputIssues', () => {
  it.each([
    ['missing key', 'port: 1\n', ['f.yaml:1:1: name: Missing required key "name"']],
    ['custom type message', 'name: a\nport: "abc"\n', ['f.yaml:2:7: port: Expected a port number, found string "abc"']],
    ['generic type message', 'name: 5\n', ['f.yaml:1:7: name: Expected a string, found number 5']],
    ['custom check message', 'name: a\nport: 0\n', ['f.yaml:2:7: port: Expected a port from 1, found number 0']],
    ['enum with hint', 'name: a\nproto: tpc\n', ['f.yaml:2:8: proto: Expected one of "tcp", "udp", found string "tpc" (did you mean "tcp"?)']],
    ['union', 'name: a\nnotify: { a: 1 }\n', ['f.yaml:2:9: notify: Expected a string or a list of strings, found a map']],
    [
      'unknown key with hint',
      'name: a\nitems:\n  - adress: x\n',
      ['f.yaml:3:5: items[0].address: Missing required key "address"', 'f.yaml:3:5: items[0].adress: Unknown key "adress" (did you mean "address"?)'],
    ],
    ['unknown key without hint', 'name: a\nzebra: 1\n', ['f.yaml:2:1: zebra: Unknown key "zebra"; expected one of: name, port, proto, notify, items, vars']],
    ['record key', 'name: a\nvars:\n  Bad: 1\n', ['f.yaml:3:3: vars.Bad: Expected a lowercase name, found "Bad"']],
  ])('%s', (_name, text, expected) => {
    expect(check(text)).toEqual(expected);
  });

  it('finds nested schemas for allowed keys', () => {
    expect(allowedKeys(schemaAt(Schema, ['items', 0]))).toEqual(['address', 'user']);
    expect(allowedKeys(schemaAt(Schema, ['vars']))).toEqual([]);
  });
});
