/**
 * Hosts from `terraform output -json` (fixtures in the exact format Terraform prints: each output
 * wrapped in { sensitive, type, value }): they join the groups inventory.yaml declares, with
 * their vars at host level; a sensitive output's values are secrets; every bad shape is refused
 * at load with the JSON file's line and column.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, formatIssue } from '../errors.js';
import { loadInventory } from '../play/load.js';

const fixture = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'terraform');
const work = mkdtempSync(path.join(tmpdir(), 'wpha-tf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the fixture with the output JSON changed by `edit`. */
function variant(edit: (out: Record<string, any>) => void, inventory?: string): string {
  const dir = mkdtempSync(path.join(work, 'inv-'));
  cpSync(fixture, dir, { recursive: true });
  const out = JSON.parse(readFileSync(path.join(dir, 'terraform-output.json'), 'utf8')) as Record<string, any>;
  edit(out);
  writeFileSync(path.join(dir, 'terraform-output.json'), JSON.stringify(out, null, 2));
  if (inventory) writeFileSync(path.join(dir, 'inventory.yaml'), inventory);
  return dir;
}

const load = (dir: string) => loadInventory({ name: dir, knownOps: new Set(), roleDirs: [], cwd: dir, env: {} });

async function issues(dir: string): Promise<string[]> {
  try {
    await load(dir);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('the inventory loaded');
}

describe('hosts from terraform output -json', () => {
  it('join the groups inventory.yaml declares, with their vars above the group vars', async () => {
    const inv = await load(fixture);
    expect([...inv.hosts.keys()]).toEqual(['bastion', 'web1', 'web2', 'db1']);
    expect(inv.groups.get('web')!.hosts).toEqual(['web1', 'web2']);
    expect(inv.hosts.get('web1')).toMatchObject({ address: '10.0.1.11', user: 'deploy', port: 22, groups: ['all', 'web'], vars: { php_workers: '8', tier: 'web' } });
    expect(inv.hosts.get('web2')!.vars).toEqual({ php_workers: 4, tier: 'web' });
    expect(inv.hosts.get('db1')).toMatchObject({ address: '10.0.2.21', port: 2222, vars: { tier: 'db', mariadb_server_id: '21' } });
    expect(inv.secretVars.has('mariadb_server_id')).toBe(false);
  });

  it('treat the values of a sensitive output as secrets', async () => {
    const inv = await load(variant((o) => (o.wpha_hosts.sensitive = true)));
    expect(inv.secretVars.has('mariadb_server_id')).toBe(true);
    expect(inv.secretVars.has('php_workers')).toBe(true);
  });

  it('read another output when inventory.yaml names it', async () => {
    const dir = variant(
      (o) => ((o.web_hosts = o.wpha_hosts), delete o.wpha_hosts),
      readFileSync(path.join(fixture, 'inventory.yaml'), 'utf8').replace('- terraform: terraform-output.json', '- { terraform: terraform-output.json, output: web_hosts }'),
    );
    expect([...(await load(dir)).hosts.keys()]).toEqual(['bastion', 'web1', 'web2', 'db1']);
  });

  it('refuse bad shapes, each at its line and column in the JSON', async () => {
    const dir = variant((o) => {
      o.wpha_hosts.value.web1.address = 'not an address!';
      o.wpha_hosts.value.web2.groups = ['web', 'cache'];
      o.wpha_hosts.value.db1.colour = 'blue';
      o.wpha_hosts.value.bastion = { address: '10.0.0.1' };
      o.wpha_hosts.value.Bad_Name = { address: '10.0.0.2' };
    });
    expect(await issues(dir)).toEqual([
      'terraform-output.json:28:20: wpha_hosts.value.web1.address: Expected an IPv4 address, an IPv6 address or a DNS name, found string "not an address!"',
      'terraform-output.json:53:9: wpha_hosts.value.db1.colour: Unknown key "colour"; expected one of: address, groups, vars, user, port',
      'terraform-output.json:58:7: wpha_hosts.value.Bad_Name: Expected a host name of lowercase letters, digits, ".", "_" and "-", starting with a letter, found "Bad_Name"',
      'terraform-output.json:38:9: wpha_hosts.value.web2.groups: Host "web2" from Terraform names "cache", which inventory.yaml does not declare as a group (declare the groups, with their roles, in inventory.yaml)',
      'terraform-output.json:55:7: wpha_hosts.value.bastion: Host "bastion" from Terraform has the name of a host inventory.yaml already has; rename one of them',
    ]);
  });

  it("say which outputs the file has when the one named is missing, or when the wrapper is not Terraform's", async () => {
    expect(await issues(variant((o) => delete o.wpha_hosts))).toEqual([
      'terraform-output.json:1:1: (document): No output "wpha_hosts" in this file (outputs: "vpc_id"); write it with `terraform output -json > terraform-output.json`',
    ]);
    expect(await issues(variant((o) => (o.wpha_hosts = o.wpha_hosts.value)))).toEqual([
      'terraform-output.json:7:17: wpha_hosts.sensitive: Missing required key "sensitive"',
      'terraform-output.json:7:17: wpha_hosts.type: Missing required key "type"',
      'terraform-output.json:7:17: wpha_hosts.value: Missing required key "value"',
      'terraform-output.json:8:5: wpha_hosts.web1: Unknown key "web1"; expected one of: sensitive, type, value',
      'terraform-output.json:17:5: wpha_hosts.web2: Unknown key "web2"; expected one of: sensitive, type, value',
      'terraform-output.json:24:5: wpha_hosts.db1: Unknown key "db1"; expected one of: sensitive, type, value',
    ]);
  });
});
