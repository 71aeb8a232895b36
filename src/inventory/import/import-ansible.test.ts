/**
 * `wpha inventory import` against Ansible itself: for each fixture inventory (INI with ranges and
 * children, YAML with YAML 1.1 values, variables at every precedence level with group_vars/ and
 * host_vars/ folders, and one full of what cannot be mapped), ansible-core's own
 * `ansible-inventory --list` is the reference. The imported inventory is loaded by wpha's loader
 * and its resolved hosts, groups, variables and connection settings must equal Ansible's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importAnsible } from '../../cli/commands/inventory-import.js';
import type { Inventory } from '../../model.js';
import { loadInventory } from '../../play/load.js';
import { parsePythonLiteral } from './python-literal.js';
import { expandHostPattern } from './host-pattern.js';
import { shlexSplit } from './shlex.js';

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
const work = mkdtempSync(path.join(tmpdir(), 'wpha-import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type AnsibleList = Record<string, { hosts?: string[]; children?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };

function ansibleList(file: string): AnsibleList {
  try {
    return JSON.parse(
      execFileSync('ansible-inventory', ['-i', file, '--list'], { encoding: 'utf8', env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False', ANSIBLE_LOCALHOST_WARNING: 'False' } }),
    ) as AnsibleList;
  } catch (e) {
    throw new Error(`ansible-inventory failed (ansible-core is installed by scripts/install-deps): ${(e as Error).message}`);
  }
}

async function imported(rel: string): Promise<{ inv: Inventory; problems: string[]; notes: string[] }> {
  const r = importAnsible(path.join(fixtures, rel), fixtures);
  const dir = mkdtempSync(path.join(work, 'inv-'));
  writeFileSync(path.join(dir, 'inventory.yaml'), r.text);
  const inv = await loadInventory({ name: dir, knownOps: new Set(), roleDirs: [], cwd: dir, env: {} });
  const fmt = (i: { where: { file: string; line: number }; message: string }) => `${i.where.file}:${i.where.line}: ${i.message}`;
  return { inv, problems: r.problems.map(fmt), notes: r.notes.map(fmt) };
}

/** What Ansible resolves, in wpha's terms: groups with all their members, and per host its variables and connection. */
function fromAnsible(list: AnsibleList, skipHosts: string[] = [], skipGroups: string[] = []) {
  const members = (g: string): string[] => [...(list[g]?.hosts ?? []), ...(list[g]?.children ?? []).flatMap(members)];
  const groups: Record<string, string[]> = {};
  for (const g of Object.keys(list)) if (!['_meta', 'all'].includes(g) && !skipGroups.includes(g)) groups[g] = [...new Set(members(g))].filter((h) => !skipHosts.includes(h)).sort();
  const hosts: Record<string, unknown> = {};
  for (const [h, all] of Object.entries(list._meta.hostvars)) {
    if (skipHosts.includes(h)) continue;
    const vars = Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith('ansible_')));
    if (all.ansible_become_password !== undefined) vars.become_password = all.ansible_become_password;
    const become = all.ansible_become === undefined ? (all.ansible_user ?? 'root') !== 'root' : ['yes', 'true', true, 1].includes(all.ansible_become as string);
    hosts[h] = { address: all.ansible_host ?? h, port: all.ansible_port ?? 22, user: all.ansible_user ?? 'root', become, vars };
  }
  return { groups, hosts };
}

function fromWpha(inv: Inventory) {
  const groups: Record<string, string[]> = {};
  for (const g of inv.groups.values()) if (g.name !== 'all') groups[g.name] = [...g.hosts].sort();
  const ungrouped = [...inv.hosts.values()]
    .filter((h) => h.groups.length === 1)
    .map((h) => h.name)
    .sort();
  if (ungrouped.length) groups.ungrouped = ungrouped; // Ansible lists the group only when it has hosts
  const hosts: Record<string, unknown> = {};
  for (const h of inv.hosts.values()) hosts[h.name] = { address: h.address, port: h.port, user: h.user, become: h.become, vars: h.vars };
  return { groups, hosts };
}

describe('wpha inventory import, compared with ansible-inventory --list', () => {
  it('INI: ranges (numbers, zero-padded, letters, steps), ports, children three deep, Python literals', async () => {
    const { inv, problems } = await imported('ini/hosts.ini');
    expect(problems).toEqual([]);
    const list = ansibleList(path.join(fixtures, 'ini/hosts.ini'));
    expect(fromWpha(inv)).toEqual(fromAnsible(list));
    expect([...inv.hosts.keys()]).toContain('web-c.example.com');
    expect(inv.hosts.get('web15')!.vars.limits).toEqual({ cpu: 2, mem: '1G' });
  });

  it('YAML: nested children, YAML 1.1 values, a host in several groups', async () => {
    const { inv, problems } = await imported('yaml/inventory.yml');
    expect(problems).toEqual([]);
    expect(fromWpha(inv)).toEqual(fromAnsible(ansibleList(path.join(fixtures, 'yaml/inventory.yml'))));
    // web (depth 2, under europe) wins over canary and europe (depth 1), as in Ansible.
    expect(inv.hosts.get('web1.shop.internal')!.vars).toMatchObject({ http_port: 80, swap: false, umask: 18, region: 'eu-west' });
  });

  it('precedence: depth, ansible_group_priority, names, group_vars/ and host_vars/ folders', async () => {
    const { inv, problems, notes } = await imported('precedence/hosts.ini');
    expect(problems).toEqual([]);
    expect(fromWpha(inv)).toEqual(fromAnsible(ansibleList(path.join(fixtures, 'precedence/hosts.ini'))));
    // amber's ansible_group_priority ranks it above web, which its name alone would not.
    expect(inv.hosts.get('web1')!.vars.shade).toBe('amber');
    expect(inv.hosts.get('web2')!.vars.shade).toBe('web');
    // group_vars/all.yml beats [web:vars] in Ansible; wpha's layering would not, so the hosts carry it.
    expect(notes).toEqual([
      'precedence/group_vars/all.yml:1: Variable "tier" is set on host "web1": Ansible ranks group_vars/ files above the inventory\'s group vars, wpha ranks a group above "all" and its parents',
      'precedence/group_vars/all.yml:1: Variable "tier" is set on host "web2": Ansible ranks group_vars/ files above the inventory\'s group vars, wpha ranks a group above "all" and its parents',
      'precedence/hosts.ini:4: Hosts without ansible_user: wpha connects as root (Ansible would use your local user name); set user (or defaults.user) if that is not what you want',
    ]);
  });

  it('JSON printed by ansible-inventory --list (how a dynamic inventory is imported)', async () => {
    const list = ansibleList(path.join(fixtures, 'yaml/inventory.yml'));
    writeFileSync(path.join(work, 'list.json'), JSON.stringify(list));
    const r = importAnsible(path.join(work, 'list.json'), work);
    expect(r.problems).toEqual([]);
    const dir = mkdtempSync(path.join(work, 'inv-'));
    writeFileSync(path.join(dir, 'inventory.yaml'), r.text);
    const inv = await loadInventory({ name: dir, knownOps: new Set(), roleDirs: [], cwd: dir, env: {} });
    expect(fromWpha(inv)).toEqual(fromAnsible(list));
  });

  it('reports what cannot be mapped, with file:line, and imports the rest equal to Ansible', async () => {
    const { inv, problems, notes } = await imported('unmappable/hosts.ini');
    expect(problems).toEqual([
      'unmappable/hosts.ini:5: Host "10.0.0.4" cannot be a wpha host name (lowercase letters, digits, ".", "_", "-", starting with a letter, not a group\'s name): left out; rename it and keep its address in ansible_host',
      'unmappable/hosts.ini:8: Group "Legacy" cannot be a wpha group name (lowercase letters, digits, "_", "-", starting with a letter): left out',
      'unmappable/hosts.ini:3: ansible_connection of host "web2": connection "winrm": wpha connects over SSH (or runs locally)',
      'unmappable/hosts.ini:4: ansible_ssh_pass of host "web3": password logins are not supported: wpha logs in with keys (an agent or ssh.key)',
      'unmappable/hosts.ini:6: ansible_become_user of host "web5": becoming "postgres": wpha runs scripts as root (tasks may use become_user on command and shell)',
    ]);
    expect(notes).toContain(
      'unmappable/hosts.ini:2: Variable "greeting" holds a Jinja expression, kept as text: wpha does not evaluate inventory values (set what it resolves to, or compute it in a role template)',
    );
    expect(notes).toContain(
      'unmappable/hosts.ini:13: ansible_become_password: kept as become_password: a password in plain text; move it to the vault (wpha vault encrypt-string --name become_password)',
    );
    expect(notes).toContain('unmappable/hosts.ini:6: ansible_python_interpreter: dropped: wpha runs no Python on the hosts');
    expect(fromWpha(inv)).toEqual(fromAnsible(ansibleList(path.join(fixtures, 'unmappable/hosts.ini')), ['10.0.0.4'], ['Legacy']));
    expect(inv.hosts.get('web1')!.ssh.proxyJump).toBe('jump@bastion.example.com:2222');
  });
});

describe('pieces of Ansible syntax', () => {
  it('a dynamic inventory script is reported, not run', () => {
    writeFileSync(path.join(work, 'ec2.py'), '#!/usr/bin/env python3\nprint("{}")\n', { mode: 0o755 });
    const r = importAnsible(path.join(work, 'ec2.py'), work);
    expect(r.problems.map((p) => `${p.where.file}:${p.where.line}: ${p.message}`)).toEqual([
      'ec2.py:1: A dynamic inventory script is not run by wpha: import what it prints instead (`ansible-inventory -i FILE --list > hosts.json`, then `wpha inventory import hosts.json`)',
    ]);
  });

  it('Python literals as ast.literal_eval reads them, text otherwise', () => {
    const v = (s: string) => {
      const r = parsePythonLiteral(s);
      return r.ok ? r.value : `TEXT:${s}`;
    };
    expect(['1', '-2', '0x1F', '1_000', '1.5e3', '.5', "'a' 'b'", '"x\\ty"', 'True', 'None', '[1, (2, 3)]', "{'k': [1]}", '(1)', '()'].map(v)).toEqual([
      1,
      -2,
      31,
      1000,
      1500,
      0.5,
      'ab',
      'x\ty',
      true,
      null,
      [1, [2, 3]],
      { k: [1] },
      1,
      [],
    ]);
    expect(['yes', '010', 'hello world', '1j', '{1, 2}', 'a.b', "'open", '1 + 2', ''].map(v)).toEqual([
      'TEXT:yes',
      'TEXT:010',
      'TEXT:hello world',
      'TEXT:1j',
      'TEXT:{1, 2}',
      'TEXT:a.b',
      "TEXT:'open",
      'TEXT:1 + 2',
      'TEXT:',
    ]);
  });

  it('shell-like host lines and host patterns', () => {
    expect(shlexSplit(`web1 a="two words" b='x y' c=d\\ e f=g#comment`)).toEqual(['web1', 'a=two words', 'b=x y', 'c=d e', 'f=g']);
    expect(expandHostPattern('db-[a:c]-[1:2]')).toEqual({ ok: true, hosts: ['db-a-1', 'db-a-2', 'db-b-1', 'db-b-2', 'db-c-1', 'db-c-2'] });
    expect(expandHostPattern('web[08:10]:2222')).toEqual({ ok: true, hosts: ['web08', 'web09', 'web10'], port: 2222 });
    expect(expandHostPattern('[2001:db8::1]:22')).toEqual({ ok: true, hosts: ['2001:db8::1'], port: 22 });
    expect(expandHostPattern('web[1:10')).toMatchObject({ ok: false });
    expect(expandHostPattern('web[01:100]')).toEqual({ ok: false, message: 'Invalid host range in "web[01:100]": a zero-padded range needs begin and end of the same length' });
  });
});
