import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadForRun, secretsRedactor } from '../engine/load.js';
import type { FieldSpec, VarSpec } from '../model.js';
import { variableTable } from './docs-table.js';
import { requiredWhen } from './var-fields.js';
import { checkVarValue, varValueIssues } from './vars.js';

const field = (over: Partial<FieldSpec>): FieldSpec => ({ type: 'string', description: 'd', required: false, secret: false, ...over });
const remotes: VarSpec = {
  type: 'list',
  items: 'object',
  description: 'remotes',
  required: false,
  secret: false,
  properties: {
    name: field({ required: true }),
    type: field({ required: true, enum: ['s3', 'sftp'] }),
    port: field({ type: 'integer', min: 1, max: 65535, default: 22 }),
    env_auth: field({ type: 'boolean', default: false }),
    secret_access_key: field({ secret: true, requiredWhen: "type == 's3' and not env_auth" }),
  },
};

describe('typed object keys (properties)', () => {
  it('accepts well-formed maps, templated values and keys left to their defaults', () => {
    expect(
      varValueIssues(remotes, [
        { name: 'a', type: 'sftp' },
        { name: 'b', type: 's3', secret_access_key: '{{ vault_key }}' },
        { name: 'c', type: 's3', env_auth: true },
      ]),
    ).toEqual([]);
  });

  it('reports every problem with its path below the variable', () => {
    expect(varValueIssues(remotes, [{ name: 'a', type: 's3' }, { type: 'sftp', port: 0, prot: 1 }, 'not a map'])).toEqual([
      { path: [2], message: 'expected a map at item [2], found string "not a map"' },
      { path: [0], message: 'Missing key "secret_access_key", required when type == \'s3\' and not env_auth (d)' },
      { path: [1, 'prot'], message: 'Unknown key "prot" (did you mean "port"?); allowed keys: name, type, port, env_auth, secret_access_key' },
      { path: [1], message: 'Missing key "name" (d)' },
      { path: [1, 'port'], message: 'expected an integer of at least 1, found number 0' },
    ]);
  });

  it("treats an empty string as missing for required_when, and never shows a secret key's value", () => {
    expect(checkVarValue(remotes, [{ name: 'a', type: 's3', secret_access_key: '' }])).toBe('Missing key "secret_access_key", required when type == \'s3\' and not env_auth (d) at [0]');
    const secretSpec: VarSpec = { ...remotes, properties: { ...remotes.properties, port: field({ type: 'integer', secret: true }) } };
    expect(checkVarValue(secretSpec, [{ name: 'a', type: 'sftp', port: 'hunter2' }])).toBe('expected an integer, found a secret string at [0][port]');
  });

  it('checks a string against its pattern, whole', () => {
    const name: VarSpec = { type: 'string', description: 'd', required: false, secret: false, pattern: '[a-z0-9_-]+' };
    expect(checkVarValue(name, 'offsite-1')).toBeUndefined();
    expect(checkVarValue(name, '../etc')).toBe('expected a string matching /[a-z0-9_-]+/, found string "../etc"');
    expect(checkVarValue(name, 'ok\nbad')).toBe('expected a string matching /[a-z0-9_-]+/, found string "ok\\nbad"');
  });

  it('checks min and max of numbers', () => {
    const days: VarSpec = { type: 'integer', description: 'd', required: false, secret: false, min: 1, max: 3650 };
    expect(checkVarValue(days, 20)).toBeUndefined();
    expect(checkVarValue(days, 0)).toBe('expected an integer of at least 1, found number 0');
    expect(checkVarValue(days, 4000)).toBe('expected an integer of at most 3650, found number 4000');
  });
});

describe('required_when', () => {
  it('reads unset names as undefined and returns evaluation errors', () => {
    expect(requiredWhen("mode == 'age'", { mode: 'age' })).toBe(true);
    expect(requiredWhen("mode == 'age'", {})).toBe(false);
    expect(requiredWhen('mode > 3', { mode: 'x' })).toMatchObject({ reason: 'Cannot compare a string with a number using ">"' });
    expect(requiredWhen('mode ==', {})).toBe(false); // syntax: reported where the role declares it
  });
});

describe("docs table rows of an object's keys", () => {
  it('lists each key under its variable, with range and condition', () => {
    expect(variableTable('r', { rclone_remotes: remotes }).split('\n').slice(4)).toEqual([
      '| `rclone_remotes` | list of object |  | remotes |',
      '| `rclone_remotes[].name` | string | required | d |',
      '| `rclone_remotes[].type` | string: s3, sftp | required | d |',
      '| `rclone_remotes[].port` | integer 1..65535 | `22` | d |',
      '| `rclone_remotes[].env_auth` | boolean | `false` | d |',
      "| `rclone_remotes[].secret_access_key` | string | required when `type == 's3' and not env_auth` (secret) | d |",
    ]);
  });
});

describe('secret keys of an object variable', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'wpha-fields-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('are masked in every output, the other keys are not', async () => {
    mkdirSync(path.join(root, 'roles', 'store'), { recursive: true });
    writeFileSync(
      path.join(root, 'roles', 'store', 'role.yaml'),
      'description: d\nvariables:\n  remotes:\n    type: list\n    items: object\n    default: []\n    description: d\n    properties:\n      name: { type: string, description: n }\n      secret_key: { type: string, secret: true, description: s }\n',
    );
    writeFileSync(
      path.join(root, 'inventory.yaml'),
      'hosts:\n  h1: { address: 192.0.2.1 }\ngroups:\n  g: { hosts: [h1], roles: [store], vars: { remotes: [{ name: offsite, secret_key: plain-but-secret-42 }] } }\n',
    );
    const inv = await loadForRun({ inventory: root, cwd: root });
    expect(secretsRedactor(inv).redact('offsite plain-but-secret-42')).toBe('offsite ***');
  });
});
