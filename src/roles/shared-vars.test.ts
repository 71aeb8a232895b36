/**
 * Variables declared once (roles/shared.yaml + `uses:`) and typed objects nested as deep as the
 * data goes. The shipped `wordpress_sites` spec is checked through a real inventory load: every
 * bad site is reported at the file:line:col of its own item or key.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { secretsRedactor } from '../engine/load.js';
import { InputError, formatIssue } from '../errors.js';
import { loadInventory } from '../play/load.js';
import { OPS } from '../ops/registry.js';
import { projectRoot, shippedRolesDir } from '../paths.js';
import { findVariableTable, SHARED_TABLE, sharedVariableTable, variableTable } from './docs-table.js';
import { testOps } from './fixtures/known-ops.js';
import { collectRoles } from './load.js';
import { SharedVarsCache } from './shared-vars.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shipped = shippedRolesDir(projectRoot());

async function issueLines(dir: string, roleDirs?: string[]): Promise<string[]> {
  try {
    await loadInventory({ name: dir, cwd: dir, knownOps: OPS, roleDirs, env: {} });
  } catch (err) {
    if (err instanceof InputError) return err.issues.map(formatIssue);
    throw err;
  }
  return [];
}

/** A folder of files from a map of relative path -> text. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-shared-'));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('wordpress_sites, declared once in roles/shared.yaml', () => {
  it('is the one spec of every role that reads it', async () => {
    const names = ['mariadb', 'nginx', 'php_fpm', 'proxysql', 'wordpress'];
    const { roles, issues } = await collectRoles(
      names.map((name) => ({ name })),
      { searchDirs: [shipped], knownOps: OPS, cwd: projectRoot() },
    );
    expect(issues.map(formatIssue)).toEqual([]);
    const specs = names.map((n) => roles.get(n)!.variables.wordpress_sites);
    for (const spec of specs) expect(spec).toBe(specs[0]);
    expect(specs[0]!.location?.file).toBe('roles/shared.yaml');
    expect(Object.keys(specs[0]!.properties ?? {})).toEqual(['id', 'domain', 'aliases', 'title', 'db_name', 'db_user', 'admin_user', 'admin_email', 'scheme', 'permalink', 'public']);
  });

  it('checks every key of every site at the line of the item or key, before any host', async () => {
    const dir = path.join(here, 'fixtures', 'sites', 'bad');
    const expected = readFileSync(path.join(dir, 'expected.txt'), 'utf8').trimEnd().split('\n');
    expect(expected.length).toBe(8);
    expect(await issueLines(dir)).toEqual(expected);
  });

  it('accepts the sites of the shipped inventories', async () => {
    for (const inv of ['lab', 'prod-example']) expect(await issueLines(path.join(projectRoot(), 'inventories', inv))).toEqual([]);
  });

  it('is described once in docs/roles.md, as roles/shared.yaml declares it', async () => {
    const shared = (await new SharedVarsCache({ cwd: projectRoot() }).load(shipped))!;
    expect(shared.issues).toEqual([]);
    const docs = readFileSync(path.join(projectRoot(), 'docs', 'roles.md'), 'utf8');
    const at = findVariableTable(docs, SHARED_TABLE)!;
    expect(docs.slice(at.start, at.end)).toBe(sharedVariableTable(shared.variables));
    const nginx = (await collectRoles([{ name: 'nginx' }], { searchDirs: [shipped], knownOps: OPS, cwd: projectRoot() })).roles.get('nginx')!;
    // A role's table names it in one row, without its keys.
    expect(variableTable('nginx', nginx.variables)).toContain('| `wordpress_sites` | list of object | required | Shared by several roles: see [shared variables](roles.md#shared-variables). |');
    expect(variableTable('nginx', nginx.variables)).not.toContain('wordpress_sites[].id');
  });
});

describe('uses: and shared.yaml', () => {
  const shared =
    'description: d\nvariables:\n  sites:\n    type: list\n    items: object\n    required: true\n    description: sites\n    properties:\n      id: { type: string, required: true, description: id }\n';
  const role = (body: string) => `description: r\n${body}`;
  const load = async (dir: string, names: string[]) =>
    (
      await collectRoles(
        names.map((name) => ({ name })),
        { searchDirs: [path.join(dir, 'roles')], knownOps: testOps, cwd: dir },
      )
    ).issues.map(formatIssue);

  it('reports a name no shared.yaml declares at its uses: entry, with the closest name', async () => {
    const dir = tree({ 'roles/shared.yaml': shared, 'roles/web/role.yaml': role('uses: [sites, site]\n') });
    expect(await load(dir, ['web'])).toEqual(['roles/web/role.yaml:2:15: uses[1]: Role "web" uses "site", which roles/shared.yaml does not declare (did you mean "sites"?)']);
  });

  it('refuses a shared variable declared again by a role, listed or not', async () => {
    const dir = tree({
      'roles/shared.yaml': shared,
      'roles/web/role.yaml': role('variables:\n  sites: { type: list, description: again }\n'),
      'roles/db/role.yaml': role('uses: [sites]\nvariables:\n  sites: { type: list, description: again }\n'),
    });
    expect(await load(dir, ['web', 'db'])).toEqual([
      'roles/web/role.yaml:3:3: variables.sites: Variable "sites" is declared once for every role, in roles/shared.yaml:3:3: list it under "uses:" instead of declaring it here',
      'roles/db/role.yaml:4:3: variables.sites: Variable "sites" is listed under "uses" and declared here too: drop this declaration (the one in roles/shared.yaml:3:3 is the variable\'s)',
    ]);
  });

  it('says so when the role set has no shared.yaml', async () => {
    const dir = tree({ 'roles/web/role.yaml': role('uses: [sites]\n') });
    expect(await load(dir, ['web'])).toEqual(['roles/web/role.yaml:2:8: uses[0]: Role "web" uses "sites", which a shared.yaml beside the role folders (there is none) does not declare']);
  });

  it('reports problems of shared.yaml itself once, at their line', async () => {
    const dir = tree({
      'roles/shared.yaml': 'variables:\n  port: { type: integer, default: x, description: p }\n',
      'roles/a/role.yaml': role('uses: [port]\n'),
      'roles/b/role.yaml': role('uses: [port]\n'),
    });
    expect(await load(dir, ['a', 'b'])).toEqual(['roles/shared.yaml:2:35: variables.port.default: Default does not match the variable: expected an integer, found string "x"']);
  });

  it("lets an inventory's own role use what wpha's roles/shared.yaml declares, and declare its own php_version", async () => {
    const dir = tree({
      'inventory.yaml':
        'hosts:\n  h1: { address: 192.0.2.1 }\ngroups:\n  g: { hosts: [h1], roles: [shop_extras], vars: { wordpress_sites: [{ id: shop, domain: shop.example.com, title: S, db_name: wp, db_user: wp, admin_user: a, admin_email: a@b, extra: 1 }] } }\n',
      // "Declared once" holds within a role set: another set's role may declare the same name.
      'roles/shop_extras/role.yaml': role('uses: [wordpress_sites]\nvariables:\n  php_version: { type: string, default: "8.3", description: its own }\n'),
    });
    expect(await issueLines(dir)).toEqual([
      'inventory.yaml:4:176: groups.g.vars.wordpress_sites[0].extra: Variable "wordpress_sites" of role "shop_extras": Unknown key "extra"; allowed keys: id, domain, aliases, title, db_name, db_user, admin_user, admin_email, scheme, permalink, public',
    ]);
  });
});

describe('typed objects', () => {
  it('refuses the former spelling (fields on a map) with what replaced it, and properties where they do not apply', async () => {
    const dir = tree({
      'inventory.yaml': 'hosts:\n  h1: { address: 192.0.2.1 }\ngroups:\n  g: { hosts: [h1], roles: [r] }\n',
      'roles/r/role.yaml': [
        'description: r',
        'variables:',
        '  old: { type: map, default: {}, description: o, fields: { a: { type: string, description: a } } }',
        '  free: { type: map, default: {}, description: f, properties: { a: { type: string, description: a } } }',
        '  bare: { type: object, default: {}, description: b }',
        '  items: { type: list, items: object, default: [], description: i }',
        '',
      ].join('\n'),
    });
    expect(await issueLines(dir, [path.join(dir, 'roles')])).toEqual([
      'roles/r/role.yaml:3:50: variables.old.fields: "fields" is now "properties", on type object (a map with declared keys) or on a list with items: object: rename "fields" to "properties" and "map" to "object"',
      'roles/r/role.yaml:4:63: variables.free.properties: "properties" applies to type object and to lists with items: object, and this one is a map (declared keys make it type: object; a map\'s keys are free)',
      'roles/r/role.yaml:5:17: variables.bare.type: Type object needs "properties" (the keys it may hold, each typed); a map with free keys is type map',
      'roles/r/role.yaml:6:31: variables.items.items: A list of objects needs "properties" (the keys each item may hold, each typed); items with free keys are items: map',
    ]);
  });

  it('nests: an object holding a list of objects holding a list of strings, checked to the last item, secrets masked at any depth', async () => {
    const dir = tree({
      'inventory.yaml': [
        'hosts:\n  h1: { address: 192.0.2.1 }\ngroups:\n  g: { hosts: [h1], roles: [r] }',
        'vars:',
        '  cluster:',
        '    name: c1',
        '    nodes:',
        '      - { host: a, ports: [80, 443], token: deep-secret-token-1 }',
        '      - { host: b, ports: [80, "x"], tokn: t }',
        '',
      ].join('\n'),
      'roles/r/role.yaml': [
        'description: r',
        'variables:',
        '  cluster:',
        '    type: object',
        '    required: true',
        '    description: c',
        '    properties:',
        '      name: { type: string, required: true, description: n }',
        '      nodes:',
        '        type: list',
        '        items: object',
        '        default: []',
        '        description: nodes',
        '        properties:',
        '          host: { type: string, required: true, description: h }',
        '          ports: { type: list, items: integer, format: port, default: [], description: p }',
        '          token: { type: string, secret: true, default: "", description: t }',
        '',
      ].join('\n'),
    });
    expect(await issueLines(dir, [path.join(dir, 'roles')])).toEqual([
      'inventory.yaml:10:38: vars.cluster.nodes[1].tokn: Variable "cluster" of role "r": Unknown key "tokn" (did you mean "token"?); allowed keys: host, ports, token',
      'inventory.yaml:10:32: vars.cluster.nodes[1].ports[1]: Variable "cluster" of role "r": expected an integer, found string "x"',
    ]);
    const ok = tree({
      'inventory.yaml': readFileSync(path.join(dir, 'inventory.yaml'), 'utf8').replace(', "x"], tokn: t', '], token: t2-also-secret'),
      'roles/r/role.yaml': readFileSync(path.join(dir, 'roles/r/role.yaml'), 'utf8'),
    });
    const inv = await loadInventory({ name: ok, cwd: ok, knownOps: OPS, roleDirs: [path.join(ok, 'roles')], env: {} });
    expect(secretsRedactor(inv).redact('a deep-secret-token-1 b t2-also-secret c1')).toBe('a *** b *** c1');
    const docs = variableTable('r', inv.roles.get('r')!.variables)
      .split('\n')
      .slice(4)
      .map((l) => l.split(' | ')[0]);
    expect(docs).toEqual(['| `cluster`', '| `cluster.name`', '| `cluster.nodes`', '| `cluster.nodes[].host`', '| `cluster.nodes[].ports`', '| `cluster.nodes[].token`']);
  });
});
