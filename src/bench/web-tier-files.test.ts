import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ansibleCfg, ansibleInventoryIni, webTierDir, wphaInventoryYaml, writeBenchInventories } from './web-tier-files.js';
import { loadInventory } from '../play/load.js';
import { OPS } from '../ops/registry.js';

const hosts = [
  { name: 'web-1', address: '172.31.247.11' },
  { name: 'web-2', address: '172.31.247.12' },
];
const ssh = { key: '/lab/ssh/id_ed25519', knownHosts: '/lab/ssh/known_hosts' };
const reference = readFileSync(join(webTierDir(), 'ansible', 'ansible.cfg'), 'utf8');
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('web-tier bench files', () => {
  it('wpha inventory: group web with role web_tier, the lab key and known_hosts, never lab: true', () => {
    const doc = parse(wphaInventoryYaml(hosts, ssh));
    expect(doc).toEqual({
      defaults: { user: 'root', ssh: { key: ssh.key, known_hosts: ssh.knownHosts } },
      hosts: { 'web-1': { address: '172.31.247.11' }, 'web-2': { address: '172.31.247.12' } },
      groups: { web: { hosts: ['web-1', 'web-2'], roles: ['web_tier'] } },
    });
  });

  it('Ansible INI inventory: one [web] line per host with address, root and the key', () => {
    expect(ansibleInventoryIni(hosts, ssh.key).split('\n')).toEqual([
      '[web]',
      'web-1 ansible_host=172.31.247.11 ansible_user=root ansible_ssh_private_key_file=/lab/ssh/id_ed25519',
      'web-2 ansible_host=172.31.247.12 ansible_user=root ansible_ssh_private_key_file=/lab/ssh/id_ed25519',
      '',
    ]);
  });

  it('ansible.cfg keeps every reference setting and only adds known_hosts and a control path folder', () => {
    const cfg = ansibleCfg(reference, '/lab/known_hosts', '/bench/cp');
    const added = cfg.split('\n').filter((l) => !reference.split('\n').includes(l));
    expect(added).toEqual(['control_path_dir = /bench/cp', 'ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/lab/known_hosts']);
    for (const keep of ['host_key_checking = False', 'forks = 50', 'pipelining = True']) expect(cfg).toContain(keep);
    // control_path_dir must land in [ssh_connection], where Ansible reads it
    expect(cfg.indexOf('control_path_dir')).toBeGreaterThan(cfg.indexOf('[ssh_connection]'));
    expect(() => ansibleCfg('[defaults]\nforks = 5\n', '/k', '/c')).toThrow(/no ssh_args/);
  });

  it('the written wpha inventory loads with the web_tier role from bench/web-tier/roles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wpha-bench-files-'));
    temps.push(dir);
    const inv = writeBenchInventories(dir, hosts, ssh, join(dir, 'cp'));
    expect(readlinkSync(join(inv.wpha, 'roles'))).toBe(join(webTierDir(), 'roles'));
    expect(existsSync(inv.ansibleConfig) && existsSync(inv.ansibleInventory) && existsSync(join(dir, 'cp'))).toBe(true);
    const loaded = await loadInventory({ name: inv.wpha, extraVars: [], knownOps: OPS });
    expect([...loaded.hosts.keys()]).toEqual(['web-1', 'web-2']);
    expect(loaded.hosts.get('web-2')!.roles).toEqual(['web_tier']);
    expect(loaded.hosts.get('web-1')!.ssh.knownHosts).toBe(ssh.knownHosts);
    expect(loaded.lab).toBeFalsy();
    // writing again over the same folder (a second host count reusing it) is fine
    expect(() => writeBenchInventories(dir, hosts, ssh, join(dir, 'cp'))).not.toThrow();
  });

  it('the role templates are byte-identical to the Ansible ones (same variables, no Jinja or Handlebars specifics)', () => {
    for (const t of ['fastcgi-cache.conf', 'pool.conf', 'site.conf']) {
      const ours = readFileSync(join(webTierDir(), 'roles', 'web_tier', 'templates', `${t}.hbs`), 'utf8');
      const theirs = readFileSync(join(webTierDir(), 'ansible', 'templates', `${t}.j2`), 'utf8');
      expect(ours, t).toBe(theirs);
    }
  });
});
