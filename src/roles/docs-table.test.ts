import { describe, it, expect } from 'vitest';
import type { VarSpec } from '../model.js';
import { findVariableTable, replaceVariableTable, variableTable } from './docs-table.js';

const VARS = {
  a_port: { type: 'integer', default: 80, description: 'Port.' },
  a_name: { type: 'string', default: '', description: 'Name | alias.' },
  a_list: { type: 'list', items: 'string', default: ['x'], description: 'Things.' },
  a_mode: { type: 'string', enum: ['on', 'off'], default: 'on', description: 'Mode.' },
  a_pass: { type: 'string', secret: true, required: true, description: 'Password.' },
  a_opt: { type: 'string', description: 'Optional.' },
  a_key: { type: 'string', vault: true, secret: true, required: true, pattern: '[0-9a-f]{32,}', patternDescription: '32+ hex digits', description: 'Key.' },
  a_id: { type: 'string', default: 'x', pattern: '[a-z]+', description: 'Id.' },
} as unknown as Record<string, VarSpec>;

const TABLE = [
  '#### Variables of `a`',
  '',
  '| Variable | Type | Default | Description |',
  '|---|---|---|---|',
  '| `a_port` | integer | `80` | Port. |',
  '| `a_name` | string | `""` | Name \\| alias. |',
  '| `a_list` | list of string | `["x"]` | Things. |',
  '| `a_mode` | string: on, off | `on` | Mode. |',
  '| `a_pass` | string | required (secret) | Password. |',
  '| `a_opt` | string |  | Optional. |',
  '| `a_key` | string | required (secret, from the vault) | Key. Must be 32+ hex digits. |',
  '| `a_id` | string | `x` | Id. Must be a string matching `/[a-z]+/`. |',
].join('\n');

describe('variable tables of docs/roles.md', () => {
  it('renders type, default, secret, vault, pattern and an escaped description per variable', () => {
    expect(variableTable('a', VARS)).toBe(TABLE);
  });
  it('replaces exactly the old table (rows that went away included), nothing around it', () => {
    const old = '# Roles\n\n## a\n\ntext\n\n#### Variables of `a`\n\n| Variable | Type | Default | Description |\n|---|---|---|---|\n| `gone` | string | `x` | Old. |\n\n## b\n';
    const out = replaceVariableTable(old, 'a', TABLE);
    expect(out).toBe(`# Roles\n\n## a\n\ntext\n\n${TABLE}\n\n## b\n`);
    expect(replaceVariableTable(out, 'a', TABLE)).toBe(out);
    expect(findVariableTable(out, 'a')).toEqual({ start: out.indexOf('####'), end: out.indexOf('\n\n## b') });
  });
  it('a table at the very end of the file', () => {
    expect(replaceVariableTable('x\n\n#### Variables of `a`\n\n| old |', 'a', TABLE)).toBe(`x\n\n${TABLE}`);
  });
  it('names the missing heading', () => {
    expect(findVariableTable('# none', 'a')).toBeUndefined();
    expect(() => replaceVariableTable('# none', 'a', TABLE)).toThrow('docs have no "#### Variables of `a`" section');
  });
});
